-- time_to_first_value (src/ttfv.c)

CREATE FUNCTION ttfv_transfn(internal, timestamptz, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION ttfv_transfn(internal, timestamp, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION ttfv_start_at_transfn(internal, timestamptz, timestamptz, boolean) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION ttfv_start_at_transfn(internal, timestamp, timestamp, boolean) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION ttfv_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION ttfv_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ttfv_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ttfv_final(internal) RETURNS interval
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE time_to_first_value(ts timestamptz, is_start boolean, is_value boolean) (
    SFUNC = ttfv_transfn, STYPE = internal, SSPACE = 40, FINALFUNC = ttfv_final,
    COMBINEFUNC = ttfv_combine, SERIALFUNC = ttfv_serialize, DESERIALFUNC = ttfv_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE time_to_first_value(ts timestamp, is_start boolean, is_value boolean) (
    SFUNC = ttfv_transfn, STYPE = internal, SSPACE = 40, FINALFUNC = ttfv_final,
    COMBINEFUNC = ttfv_combine, SERIALFUNC = ttfv_serialize, DESERIALFUNC = ttfv_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE time_to_first_value(ts timestamptz, start_at timestamptz, is_value boolean) (
    SFUNC = ttfv_start_at_transfn, STYPE = internal, SSPACE = 40, FINALFUNC = ttfv_final,
    COMBINEFUNC = ttfv_combine, SERIALFUNC = ttfv_serialize, DESERIALFUNC = ttfv_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE time_to_first_value(ts timestamp, start_at timestamp, is_value boolean) (
    SFUNC = ttfv_start_at_transfn, STYPE = internal, SSPACE = 40, FINALFUNC = ttfv_final,
    COMBINEFUNC = ttfv_combine, SERIALFUNC = ttfv_serialize, DESERIALFUNC = ttfv_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE time_to_first_value(timestamptz, boolean, boolean)
    IS 'time from the earliest start event to the earliest value event at or after it';
COMMENT ON AGGREGATE time_to_first_value(timestamptz, timestamptz, boolean)
    IS 'time from the earliest start_at to the earliest value event at or after it';

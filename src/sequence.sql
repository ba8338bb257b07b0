-- sequence (src/sequence.c, src/funnel_count.c): ClickHouse's
-- sequenceMatch / sequenceCount as sequence_match / sequence_count, and
-- repeat conversions (funnel_count), over rows and over stored journeys.

-- One state for all of them: the group's (timestamp, condition mask)
-- entries and the pattern or window and mode.  Transitions are not strict:
-- a NULL ts, conditions array or condition ignores the row; a NULL
-- pattern, window or mode is an error.
CREATE FUNCTION sequence_transfn(internal, timestamptz, text, boolean[]) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION sequence_transfn(internal, timestamp, text, boolean[]) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION sequence_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION sequence_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sequence_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION sequence_match_final(internal) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION sequence_count_final(internal) RETURNS bigint
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE sequence_match(ts timestamptz, pattern text, VARIADIC conds boolean[]) (
    SFUNC = sequence_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = sequence_match_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = sequence_combine, SERIALFUNC = sequence_serialize, DESERIALFUNC = sequence_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE sequence_match(ts timestamp, pattern text, VARIADIC conds boolean[]) (
    SFUNC = sequence_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = sequence_match_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = sequence_combine, SERIALFUNC = sequence_serialize, DESERIALFUNC = sequence_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE sequence_count(ts timestamptz, pattern text, VARIADIC conds boolean[]) (
    SFUNC = sequence_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = sequence_count_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = sequence_combine, SERIALFUNC = sequence_serialize, DESERIALFUNC = sequence_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE sequence_count(ts timestamp, pattern text, VARIADIC conds boolean[]) (
    SFUNC = sequence_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = sequence_count_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = sequence_combine, SERIALFUNC = sequence_serialize, DESERIALFUNC = sequence_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE sequence_match(timestamptz, text, VARIADIC boolean[])
    IS 'ClickHouse sequenceMatch: whether the events (rows meeting some condition) match the pattern';
COMMENT ON AGGREGATE sequence_count(timestamptz, text, VARIADIC boolean[])
    IS 'ClickHouse sequenceCount: non-overlapping matches of the pattern, counted as ClickHouse counts them';

-- Over a stored journey: condition k is an event labelled labels[k].  Not
-- strict: a NULL journey is a customer without events.
CREATE FUNCTION sequence_match(j journey, pattern text, VARIADIC labels text[]) RETURNS boolean
    AS 'MODULE_PATHNAME', 'journey_sequence_match' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION sequence_count(j journey, pattern text, VARIADIC labels text[]) RETURNS bigint
    AS 'MODULE_PATHNAME', 'journey_sequence_count' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION sequence_match(journey, text, VARIADIC text[])
    IS 'sequenceMatch over a journey: condition k is an event labelled labels[k]';
COMMENT ON FUNCTION sequence_count(journey, text, VARIADIC text[])
    IS 'sequenceCount over a journey: condition k is an event labelled labels[k]';

-- funnel_count: completed funnels, re-entering after each completion
CREATE FUNCTION funnel_count_transfn(internal, timestamptz, interval, boolean[]) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_count_transfn(internal, timestamptz, interval, text, boolean[]) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_count_transfn(internal, timestamp, interval, boolean[]) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_count_transfn(internal, timestamp, interval, text, boolean[]) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_count_final(internal) RETURNS bigint
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE funnel_count(ts timestamptz, "window" interval, VARIADIC steps boolean[]) (
    SFUNC = funnel_count_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_count_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = sequence_combine, SERIALFUNC = sequence_serialize, DESERIALFUNC = sequence_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_count(ts timestamptz, "window" interval, mode text, VARIADIC steps boolean[]) (
    SFUNC = funnel_count_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_count_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = sequence_combine, SERIALFUNC = sequence_serialize, DESERIALFUNC = sequence_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_count(ts timestamp, "window" interval, VARIADIC steps boolean[]) (
    SFUNC = funnel_count_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_count_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = sequence_combine, SERIALFUNC = sequence_serialize, DESERIALFUNC = sequence_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_count(ts timestamp, "window" interval, mode text, VARIADIC steps boolean[]) (
    SFUNC = funnel_count_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_count_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = sequence_combine, SERIALFUNC = sequence_serialize, DESERIALFUNC = sequence_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE funnel_count(timestamptz, interval, VARIADIC boolean[])
    IS 'repeat conversions: how many times the whole funnel was completed, re-entering after each completion';
COMMENT ON AGGREGATE funnel_count(timestamptz, interval, text, VARIADIC boolean[])
    IS 'repeat conversions under a windowFunnel mode';

CREATE FUNCTION funnel_count(j journey, "window" interval, steps text[]) RETURNS bigint
    AS 'MODULE_PATHNAME', 'journey_funnel_count' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_count(j journey, "window" interval, steps text[], mode text) RETURNS bigint
    AS 'MODULE_PATHNAME', 'journey_funnel_count' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION funnel_count(journey, interval, text[])
    IS 'repeat conversions over a journey: step k is an event labelled steps[k]';
COMMENT ON FUNCTION funnel_count(journey, interval, text[], text)
    IS 'repeat conversions over a journey under a windowFunnel mode';

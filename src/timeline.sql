-- timeline: the journey type, one customer's events in time order as one
-- compact value (src/timeline.c, src/timeline_io.c)

CREATE TYPE journey;

CREATE FUNCTION journey_in(cstring) RETURNS journey
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION journey_out(journey) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION journey_recv(internal) RETURNS journey
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION journey_send(journey) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE journey (
    INPUT = journey_in,
    OUTPUT = journey_out,
    RECEIVE = journey_recv,
    SEND = journey_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = int4,
    STORAGE = extended
);
COMMENT ON TYPE journey IS 'one customer''s events in time order: exact timestamps, a label per event, optional exact amounts';

-- journey_agg's state: the group's events, unsorted, with a dictionary of
-- labels; sorted once by the final function.  It sorts in place and brings
-- the amounts to one scale, which leaves the same events: the state stays
-- valid for more rows, so the final function is declared READ_ONLY and
-- the aggregates also work as window functions (a running history).
-- Transitions are not strict: rows with a NULL or infinite ts or a NULL
-- label are skipped.
CREATE FUNCTION journey_agg_transfn(internal, timestamptz, text) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION journey_agg_transfn(internal, timestamptz, text, numeric) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION journey_agg_transfn(internal, timestamp, text) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION journey_agg_transfn(internal, timestamp, text, numeric) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION journey_rollup_transfn(internal, journey) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION journey_agg_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION journey_agg_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION journey_agg_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION journey_agg_final(internal) RETURNS journey
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE journey_agg(ts timestamptz, label text) (
    SFUNC = journey_agg_transfn, STYPE = internal, SSPACE = 512,
    FINALFUNC = journey_agg_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = journey_agg_combine, SERIALFUNC = journey_agg_serialize,
    DESERIALFUNC = journey_agg_deserialize, PARALLEL = SAFE
);
CREATE AGGREGATE journey_agg(ts timestamptz, label text, amount numeric) (
    SFUNC = journey_agg_transfn, STYPE = internal, SSPACE = 512,
    FINALFUNC = journey_agg_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = journey_agg_combine, SERIALFUNC = journey_agg_serialize,
    DESERIALFUNC = journey_agg_deserialize, PARALLEL = SAFE
);
-- timestamp (without time zone) values are taken as UTC
CREATE AGGREGATE journey_agg(ts timestamp, label text) (
    SFUNC = journey_agg_transfn, STYPE = internal, SSPACE = 512,
    FINALFUNC = journey_agg_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = journey_agg_combine, SERIALFUNC = journey_agg_serialize,
    DESERIALFUNC = journey_agg_deserialize, PARALLEL = SAFE
);
CREATE AGGREGATE journey_agg(ts timestamp, label text, amount numeric) (
    SFUNC = journey_agg_transfn, STYPE = internal, SSPACE = 512,
    FINALFUNC = journey_agg_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = journey_agg_combine, SERIALFUNC = journey_agg_serialize,
    DESERIALFUNC = journey_agg_deserialize, PARALLEL = SAFE
);
COMMENT ON AGGREGATE journey_agg(timestamptz, text) IS 'the events of a group (usually a customer) as a journey';
COMMENT ON AGGREGATE journey_agg(timestamptz, text, numeric) IS 'the events of a group (usually a customer), with amounts, as a journey';

CREATE AGGREGATE rollup(journey) (
    SFUNC = journey_rollup_transfn, STYPE = internal, SSPACE = 512,
    FINALFUNC = journey_agg_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = journey_agg_combine, SERIALFUNC = journey_agg_serialize,
    DESERIALFUNC = journey_agg_deserialize, PARALLEL = SAFE
);
COMMENT ON AGGREGATE rollup(journey) IS 'merge journeys: the union of their events, e.g. daily parts into a whole history';

CREATE FUNCTION journey_merge(journey, journey) RETURNS journey
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION journey_merge(journey, journey) IS 'the union of the events of two journeys';

-- Readers (strict: a NULL journey gives NULL).
CREATE FUNCTION journey_events(j journey, OUT ts timestamptz, OUT label text, OUT amount numeric)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;
CREATE FUNCTION num_events(journey) RETURNS bigint
    AS 'MODULE_PATHNAME', 'journey_num_events' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION first_at(journey) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'journey_first_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION last_at(journey) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'journey_last_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION journey_labels(journey) RETURNS text[]
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
-- Per label: a label the journey does not have gives 0 events and NULL
-- timestamps; total_amount is NULL when no event of the label has one.
CREATE FUNCTION num_events(journey, label text) RETURNS bigint
    AS 'MODULE_PATHNAME', 'journey_label_num_events' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION first_at(journey, label text) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'journey_label_first_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION last_at(journey, label text) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'journey_label_last_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION total_amount(journey, label text) RETURNS numeric
    AS 'MODULE_PATHNAME', 'journey_label_total_amount' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

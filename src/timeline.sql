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

-- Analyses over stored journeys (src/timeline_analysis.c): the row
-- aggregates' semantics, with steps and conditions given as labels (an
-- event meets a condition when its label is one of the condition's).  Not
-- strict unless said: a NULL journey is a customer without events; NULL
-- parameters are errors, as in the aggregates.
CREATE FUNCTION funnel_step(j journey, "window" interval, steps text[]) RETURNS integer
    AS 'MODULE_PATHNAME', 'journey_funnel_step' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_step(j journey, "window" interval, steps text[], mode text) RETURNS integer
    AS 'MODULE_PATHNAME', 'journey_funnel_step' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION funnel_step(journey, interval, text[])
    IS 'windowFunnel over a journey: the longest chain of steps (labels) within the window';
COMMENT ON FUNCTION funnel_step(journey, interval, text[], text)
    IS 'windowFunnel over a journey, with a mode: the longest chain of steps (labels) within the window';
CREATE FUNCTION funnel_path(j journey, "window" interval, steps text[]) RETURNS funnel_path
    AS 'MODULE_PATHNAME', 'journey_funnel_path' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_path(j journey, "window" interval, steps text[], mode text) RETURNS funnel_path
    AS 'MODULE_PATHNAME', 'journey_funnel_path' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION funnel_path(journey, interval, text[])
    IS 'the best funnel chain of a journey: steps reached and when';
COMMENT ON FUNCTION funnel_path(journey, interval, text[], text)
    IS 'the best funnel chain of a journey under a mode: steps reached and when';
-- Strict: a NULL journey, label or start_at gives NULL.
CREATE FUNCTION time_to_first_value(j journey, start_label text, value_label text) RETURNS interval
    AS 'MODULE_PATHNAME', 'journey_ttfv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION time_to_first_value(j journey, start_at timestamptz, value_label text) RETURNS interval
    AS 'MODULE_PATHNAME', 'journey_ttfv_start_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION time_to_first_value(journey, text, text)
    IS 'time from the first start_label event to the first value_label event at or after it';
COMMENT ON FUNCTION time_to_first_value(journey, timestamptz, text)
    IS 'time from start_at to the first value_label event at or after it';
CREATE FUNCTION lifecycle_stage(j journey, activation_labels text[], use_labels text[],
                                as_of timestamptz, dormant_after interval, churned_after interval)
    RETURNS lifecycle_stage
    AS 'MODULE_PATHNAME', 'journey_lifecycle_stage' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION lifecycle_stage(journey, text[], text[], timestamptz, interval, interval)
    IS 'a journey''s lifecycle stage as of an instant';
CREATE FUNCTION lifecycle_status(j journey, activation_labels text[], use_labels text[],
                                 as_of timestamptz, dormant_after interval, churned_after interval)
    RETURNS lifecycle_status
    AS 'MODULE_PATHNAME', 'journey_lifecycle_status' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION lifecycle_status(journey, text[], text[], timestamptz, interval, interval)
    IS 'a journey''s lifecycle stage with the instant it began, the activation and the last use';
CREATE FUNCTION active_periods(j journey, active_labels text[], origin timestamptz,
                               period interval, periods integer) RETURNS bit varying
    AS 'MODULE_PATHNAME', 'journey_active_periods' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION active_periods(journey, text[], timestamptz, interval, integer)
    IS 'bit k set when an event of active_labels falls in [origin + k*period, origin + (k+1)*period)';
CREATE FUNCTION retention(j journey, VARIADIC labels text[]) RETURNS integer[]
    AS 'MODULE_PATHNAME', 'journey_retention' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION retention(journey, text[])
    IS 'ClickHouse retention() over a journey: r[1] = some event of label 1; r[i] = r[1] and some event of label i';
CREATE FUNCTION clv_inputs(j journey, purchase_label text, observation_end timestamptz, period interval)
    RETURNS clv_inputs
    AS 'MODULE_PATHNAME', 'journey_clv_inputs' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_inputs(journey, text, timestamptz, interval)
    IS 'a journey''s (frequency, recency, t, monetary) from its purchase_label events and their amounts';

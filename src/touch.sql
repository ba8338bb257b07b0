-- touchpoints (src/touch.c): touch_outcomes, touch_report, their readers

-- touch_outcomes: one customer's message instances and what came of them
CREATE TYPE touch_outcomes;
CREATE FUNCTION touch_outcomes_in(cstring) RETURNS touch_outcomes
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION touch_outcomes_out(touch_outcomes) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION touch_outcomes_recv(internal) RETURNS touch_outcomes
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION touch_outcomes_send(touch_outcomes) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE touch_outcomes (
    INPUT = touch_outcomes_in,
    OUTPUT = touch_outcomes_out,
    RECEIVE = touch_outcomes_recv,
    SEND = touch_outcomes_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE touch_outcomes IS 'one customer''s message instances per touch: sent, opened, clicked, converted, revenue, times to convert';

-- touch_report: many customers' outcomes, mergeable (its own type is the state)
CREATE TYPE touch_report;
CREATE FUNCTION touch_report_in(cstring) RETURNS touch_report
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION touch_report_out(touch_report) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION touch_report_recv(internal) RETURNS touch_report
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION touch_report_send(touch_report) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE touch_report (
    INPUT = touch_report_in,
    OUTPUT = touch_report_out,
    RECEIVE = touch_report_recv,
    SEND = touch_report_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE touch_report IS 'message outcomes per touch over many customers, with the time to convert distribution, mergeable';

-- The per-customer aggregate.  One transition for every overload; a NULL
-- window or model is an error, so it is not strict.
CREATE FUNCTION touch_outcomes_transfn(internal, timestamptz, text, text, boolean, interval) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION touch_outcomes_transfn(internal, timestamptz, text, text, boolean, interval, numeric) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION touch_outcomes_transfn(internal, timestamptz, text, text, boolean, interval, numeric, text) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION touch_outcomes_transfn(internal, timestamp, text, text, boolean, interval) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION touch_outcomes_transfn(internal, timestamp, text, text, boolean, interval, numeric) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION touch_outcomes_transfn(internal, timestamp, text, text, boolean, interval, numeric, text) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION touch_outcomes_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION touch_outcomes_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION touch_outcomes_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION touch_outcomes_final(internal) RETURNS touch_outcomes
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE touch_outcomes(ts timestamptz, touch text, touch_event text, is_target boolean,
                                "window" interval) (
    SFUNC = touch_outcomes_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = touch_outcomes_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = touch_outcomes_combine, SERIALFUNC = touch_outcomes_serialize,
    DESERIALFUNC = touch_outcomes_deserialize, PARALLEL = SAFE
);
CREATE AGGREGATE touch_outcomes(ts timestamptz, touch text, touch_event text, is_target boolean,
                                "window" interval, value numeric) (
    SFUNC = touch_outcomes_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = touch_outcomes_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = touch_outcomes_combine, SERIALFUNC = touch_outcomes_serialize,
    DESERIALFUNC = touch_outcomes_deserialize, PARALLEL = SAFE
);
CREATE AGGREGATE touch_outcomes(ts timestamptz, touch text, touch_event text, is_target boolean,
                                "window" interval, value numeric, model text) (
    SFUNC = touch_outcomes_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = touch_outcomes_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = touch_outcomes_combine, SERIALFUNC = touch_outcomes_serialize,
    DESERIALFUNC = touch_outcomes_deserialize, PARALLEL = SAFE
);
CREATE AGGREGATE touch_outcomes(ts timestamp, touch text, touch_event text, is_target boolean,
                                "window" interval) (
    SFUNC = touch_outcomes_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = touch_outcomes_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = touch_outcomes_combine, SERIALFUNC = touch_outcomes_serialize,
    DESERIALFUNC = touch_outcomes_deserialize, PARALLEL = SAFE
);
CREATE AGGREGATE touch_outcomes(ts timestamp, touch text, touch_event text, is_target boolean,
                                "window" interval, value numeric) (
    SFUNC = touch_outcomes_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = touch_outcomes_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = touch_outcomes_combine, SERIALFUNC = touch_outcomes_serialize,
    DESERIALFUNC = touch_outcomes_deserialize, PARALLEL = SAFE
);
CREATE AGGREGATE touch_outcomes(ts timestamp, touch text, touch_event text, is_target boolean,
                                "window" interval, value numeric, model text) (
    SFUNC = touch_outcomes_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = touch_outcomes_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = touch_outcomes_combine, SERIALFUNC = touch_outcomes_serialize,
    DESERIALFUNC = touch_outcomes_deserialize, PARALLEL = SAFE
);
COMMENT ON AGGREGATE touch_outcomes(timestamptz, text, text, boolean, interval)
    IS 'one customer''s message instances and the conversions attributed to them (model sent)';
COMMENT ON AGGREGATE touch_outcomes(timestamptz, text, text, boolean, interval, numeric)
    IS 'one customer''s message instances and the conversions (with values) attributed to them (model sent)';
COMMENT ON AGGREGATE touch_outcomes(timestamptz, text, text, boolean, interval, numeric, text)
    IS 'one customer''s message instances and the conversions attributed to them by model sent, opened or last_touch';

-- Transition and merge handle NULLs themselves (a NULL value is skipped): not strict.
CREATE FUNCTION touch_report_add(touch_report, touch_outcomes) RETURNS touch_report
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION touch_report_merge(touch_report, touch_report) RETURNS touch_report
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE touch_report(touch_outcomes) (
    SFUNC = touch_report_add, STYPE = touch_report, COMBINEFUNC = touch_report_merge, PARALLEL = SAFE
);
CREATE AGGREGATE rollup(touch_report) (
    SFUNC = touch_report_merge, STYPE = touch_report, COMBINEFUNC = touch_report_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE touch_report(touch_outcomes) IS 'roll customers'' touch outcomes up into a per-touch report';
COMMENT ON AGGREGATE rollup(touch_report) IS 'merge touch reports, e.g. days into months or shards into a whole';

CREATE FUNCTION touch_report_rows(touch_report,
        OUT touch text, OUT sent bigint, OUT opened bigint, OUT clicked bigint, OUT converted bigint,
        OUT open_rate double precision, OUT click_rate double precision, OUT conversion_rate double precision,
        OUT revenue numeric,
        OUT median_time_to_convert interval, OUT median_time_to_convert_seconds double precision,
        OUT p90_time_to_convert interval, OUT p90_time_to_convert_seconds double precision,
        OUT orphans bigint)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'touch_report_rows' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;
CREATE FUNCTION touch_report_rows(touch_outcomes,
        OUT touch text, OUT sent bigint, OUT opened bigint, OUT clicked bigint, OUT converted bigint,
        OUT open_rate double precision, OUT click_rate double precision, OUT conversion_rate double precision,
        OUT revenue numeric,
        OUT median_time_to_convert interval, OUT median_time_to_convert_seconds double precision,
        OUT p90_time_to_convert interval, OUT p90_time_to_convert_seconds double precision,
        OUT orphans bigint)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'touch_outcomes_rows' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;
CREATE FUNCTION touch_report_totals(touch_report,
        OUT customers bigint, OUT conversions bigint, OUT revenue numeric,
        OUT unattributed_conversions bigint, OUT unattributed_revenue numeric,
        OUT model text, OUT attribution_window interval, OUT attribution_window_seconds double precision)
    RETURNS record
    AS 'MODULE_PATHNAME', 'touch_report_totals' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION touch_report_totals(touch_outcomes,
        OUT customers bigint, OUT conversions bigint, OUT revenue numeric,
        OUT unattributed_conversions bigint, OUT unattributed_revenue numeric,
        OUT model text, OUT attribution_window interval, OUT attribution_window_seconds double precision)
    RETURNS record
    AS 'MODULE_PATHNAME', 'touch_outcomes_totals' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION touch_report_rows(touch_report) IS 'one row per touch: sent, opened, clicked, converted, rates, revenue, median and p90 time to convert, orphans';
COMMENT ON FUNCTION touch_report_totals(touch_report) IS 'customers, conversions, revenue, the conversions no message got, model and window';

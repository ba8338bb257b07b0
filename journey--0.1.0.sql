-- journey 0.1.0 install script, as released (assembled from src/*.sql at commit bf7369a).
-- Frozen: kept so that CREATE EXTENSION journey VERSION '0.1.0' works and the upgrade test can start from it.
\echo Use "CREATE EXTENSION journey" to load this file. \quit

-- src/header.sql
-- Every object below is created in the extension's schema; functions
-- marked IMMUTABLE/STRICT/PARALLEL SAFE on purpose, aggregates with
-- combine functions so parallel query and Citus can split them.

-- src/durations.sql
-- durations: a mergeable summary of non-negative intervals (src/durations.c)

CREATE TYPE durations;

CREATE FUNCTION durations_in(cstring) RETURNS durations
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION durations_out(durations) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION durations_recv(internal) RETURNS durations
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION durations_send(durations) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE durations (
    INPUT = durations_in,
    OUTPUT = durations_out,
    RECEIVE = durations_recv,
    SEND = durations_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE durations IS 'mergeable distribution of intervals: exact count, sum, min, max; quantiles within 1%';

-- Transition of duration_agg (not strict: the state starts NULL and a NULL
-- interval leaves it unchanged).
CREATE FUNCTION durations_add(durations, interval) RETURNS durations
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
-- Merge of two summaries: rollup's transition and the combine function.
CREATE FUNCTION durations_merge(durations, durations) RETURNS durations
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE duration_agg(interval) (
    SFUNC = durations_add,
    STYPE = durations,
    COMBINEFUNC = durations_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE duration_agg(interval) IS 'summarize intervals into a durations value';

CREATE AGGREGATE rollup(durations) (
    SFUNC = durations_merge,
    STYPE = durations,
    COMBINEFUNC = durations_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rollup(durations) IS 'merge durations values, e.g. days into weeks';

-- Not strict: a NULL fraction or bins count is an error, a NULL summary
-- (no values) gives NULL / no rows.
CREATE FUNCTION quantile(durations, fraction double precision) RETURNS interval
    AS 'MODULE_PATHNAME', 'durations_quantile' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION quantiles(durations, fractions double precision[]) RETURNS interval[]
    AS 'MODULE_PATHNAME', 'durations_quantiles' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION mean(durations) RETURNS interval
    AS 'MODULE_PATHNAME', 'durations_mean' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION num_vals(durations) RETURNS bigint
    AS 'MODULE_PATHNAME', 'durations_num_vals' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION min_val(durations) RETURNS interval
    AS 'MODULE_PATHNAME', 'durations_min_val' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION max_val(durations) RETURNS interval
    AS 'MODULE_PATHNAME', 'durations_max_val' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION histogram(durations, bins integer,
                          OUT lower interval, OUT upper interval, OUT count bigint)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'durations_histogram' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 20;

-- src/ttfv.sql
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

-- src/funnel.sql
-- funnels (src/funnel.c, src/funnel_report.c): funnel_step, funnel_path,
-- the funnel_path and funnel types, funnel_steps

-- The per-customer search (ClickHouse windowFunnel).  One transition for
-- every overload; a NULL window or mode is an error, so it is not strict.
CREATE FUNCTION funnel_transfn(internal, timestamptz, interval, boolean[]) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamptz, interval, text, boolean[]) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamp, interval, boolean[]) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamp, interval, text, boolean[]) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION funnel_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION funnel_step_final(internal) RETURNS integer
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE funnel_step(ts timestamptz, "window" interval, VARIADIC steps boolean[]) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_step(ts timestamptz, "window" interval, mode text, VARIADIC steps boolean[]) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_step(ts timestamp, "window" interval, VARIADIC steps boolean[]) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_step(ts timestamp, "window" interval, mode text, VARIADIC steps boolean[]) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE funnel_step(timestamptz, interval, VARIADIC boolean[])
    IS 'ClickHouse windowFunnel: the longest chain of steps 1..k in order within the window';
COMMENT ON AGGREGATE funnel_step(timestamptz, interval, text, VARIADIC boolean[])
    IS 'ClickHouse windowFunnel with options (strict_deduplication, strict_order, strict_increase, strict_once, allow_reentry)';

-- funnel_path: one customer's best chain
CREATE TYPE funnel_path;
CREATE FUNCTION funnel_path_in(cstring) RETURNS funnel_path
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION funnel_path_out(funnel_path) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION funnel_path_recv(internal) RETURNS funnel_path
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION funnel_path_send(funnel_path) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE funnel_path (
    INPUT = funnel_path_in,
    OUTPUT = funnel_path_out,
    RECEIVE = funnel_path_recv,
    SEND = funnel_path_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE funnel_path IS 'one customer''s funnel: steps reached and when each step of the best chain happened';

CREATE FUNCTION funnel_path_final(internal) RETURNS funnel_path
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
-- timestamp input: the times are converted as ts::timestamptz (session time zone)
CREATE FUNCTION funnel_path_final_ts(internal) RETURNS funnel_path
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;

CREATE AGGREGATE funnel_path(ts timestamptz, "window" interval, VARIADIC steps boolean[]) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_path_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_path(ts timestamptz, "window" interval, mode text, VARIADIC steps boolean[]) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_path_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_path(ts timestamp, "window" interval, VARIADIC steps boolean[]) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_path_final_ts, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_path(ts timestamp, "window" interval, mode text, VARIADIC steps boolean[]) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_path_final_ts, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE funnel_path(timestamptz, interval, VARIADIC boolean[])
    IS 'funnel_step''s search, keeping when each step of the earliest-starting deepest chain happened';

-- Overloads with 1 to 8 step conditions as separate arguments: the same
-- aggregates without building an array per row (about twice as fast).
-- PostgreSQL picks them over the VARIADIC form for such calls.
CREATE FUNCTION funnel_transfn(internal, timestamptz, interval, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamptz, interval, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamptz, interval, boolean, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamptz, interval, boolean, boolean, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamptz, interval, boolean, boolean, boolean, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamptz, interval, boolean, boolean, boolean, boolean, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamptz, interval, boolean, boolean, boolean, boolean, boolean, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamptz, interval, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamp, interval, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamp, interval, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamp, interval, boolean, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamp, interval, boolean, boolean, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamp, interval, boolean, boolean, boolean, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamp, interval, boolean, boolean, boolean, boolean, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamp, interval, boolean, boolean, boolean, boolean, boolean, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamp, interval, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamptz, interval, text, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args_mode' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamptz, interval, text, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args_mode' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamptz, interval, text, boolean, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args_mode' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamptz, interval, text, boolean, boolean, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args_mode' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamptz, interval, text, boolean, boolean, boolean, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args_mode' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamptz, interval, text, boolean, boolean, boolean, boolean, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args_mode' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamptz, interval, text, boolean, boolean, boolean, boolean, boolean, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args_mode' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamptz, interval, text, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args_mode' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamp, interval, text, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args_mode' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamp, interval, text, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args_mode' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamp, interval, text, boolean, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args_mode' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamp, interval, text, boolean, boolean, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args_mode' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamp, interval, text, boolean, boolean, boolean, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args_mode' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamp, interval, text, boolean, boolean, boolean, boolean, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args_mode' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamp, interval, text, boolean, boolean, boolean, boolean, boolean, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args_mode' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamp, interval, text, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_args_mode' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE funnel_step(ts timestamptz, "window" interval, step1 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamptz, "window" interval, step1 boolean, step2 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamptz, "window" interval, step1 boolean, step2 boolean, step3 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamptz, "window" interval, step1 boolean, step2 boolean, step3 boolean, step4 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamptz, "window" interval, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamptz, "window" interval, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamptz, "window" interval, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, step7 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamptz, "window" interval, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, step7 boolean, step8 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamp, "window" interval, step1 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamp, "window" interval, step1 boolean, step2 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamp, "window" interval, step1 boolean, step2 boolean, step3 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamp, "window" interval, step1 boolean, step2 boolean, step3 boolean, step4 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamp, "window" interval, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamp, "window" interval, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamp, "window" interval, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, step7 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamp, "window" interval, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, step7 boolean, step8 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamptz, "window" interval, mode text, step1 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamptz, "window" interval, mode text, step1 boolean, step2 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamptz, "window" interval, mode text, step1 boolean, step2 boolean, step3 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamptz, "window" interval, mode text, step1 boolean, step2 boolean, step3 boolean, step4 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamptz, "window" interval, mode text, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamptz, "window" interval, mode text, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamptz, "window" interval, mode text, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, step7 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamptz, "window" interval, mode text, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, step7 boolean, step8 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamp, "window" interval, mode text, step1 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamp, "window" interval, mode text, step1 boolean, step2 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamp, "window" interval, mode text, step1 boolean, step2 boolean, step3 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamp, "window" interval, mode text, step1 boolean, step2 boolean, step3 boolean, step4 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamp, "window" interval, mode text, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamp, "window" interval, mode text, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamp, "window" interval, mode text, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, step7 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_step(ts timestamp, "window" interval, mode text, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, step7 boolean, step8 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamptz, "window" interval, step1 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamptz, "window" interval, step1 boolean, step2 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamptz, "window" interval, step1 boolean, step2 boolean, step3 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamptz, "window" interval, step1 boolean, step2 boolean, step3 boolean, step4 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamptz, "window" interval, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamptz, "window" interval, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamptz, "window" interval, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, step7 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamptz, "window" interval, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, step7 boolean, step8 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamp, "window" interval, step1 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final_ts, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamp, "window" interval, step1 boolean, step2 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final_ts, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamp, "window" interval, step1 boolean, step2 boolean, step3 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final_ts, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamp, "window" interval, step1 boolean, step2 boolean, step3 boolean, step4 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final_ts, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamp, "window" interval, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final_ts, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamp, "window" interval, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final_ts, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamp, "window" interval, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, step7 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final_ts, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamp, "window" interval, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, step7 boolean, step8 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final_ts, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamptz, "window" interval, mode text, step1 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamptz, "window" interval, mode text, step1 boolean, step2 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamptz, "window" interval, mode text, step1 boolean, step2 boolean, step3 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamptz, "window" interval, mode text, step1 boolean, step2 boolean, step3 boolean, step4 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamptz, "window" interval, mode text, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamptz, "window" interval, mode text, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamptz, "window" interval, mode text, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, step7 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamptz, "window" interval, mode text, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, step7 boolean, step8 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamp, "window" interval, mode text, step1 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final_ts, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamp, "window" interval, mode text, step1 boolean, step2 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final_ts, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamp, "window" interval, mode text, step1 boolean, step2 boolean, step3 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final_ts, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamp, "window" interval, mode text, step1 boolean, step2 boolean, step3 boolean, step4 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final_ts, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamp, "window" interval, mode text, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final_ts, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamp, "window" interval, mode text, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final_ts, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamp, "window" interval, mode text, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, step7 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final_ts, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE funnel_path(ts timestamp, "window" interval, mode text, step1 boolean, step2 boolean, step3 boolean, step4 boolean, step5 boolean, step6 boolean, step7 boolean, step8 boolean) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256, FINALFUNC = funnel_path_final_ts, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize, PARALLEL = SAFE);

CREATE FUNCTION steps(funnel_path) RETURNS integer
    AS 'MODULE_PATHNAME', 'funnel_path_steps' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION total_steps(funnel_path) RETURNS integer
    AS 'MODULE_PATHNAME', 'funnel_path_total_steps' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reached_at(funnel_path, step integer) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'funnel_path_reached_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION time_to_step(funnel_path, step integer) RETURNS interval
    AS 'MODULE_PATHNAME', 'funnel_path_time_to_step' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION time_between(funnel_path, from_step integer, to_step integer) RETURNS interval
    AS 'MODULE_PATHNAME', 'funnel_path_time_between' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- funnel: many customers' funnel, mergeable (its own type is the state)
CREATE TYPE funnel;
CREATE FUNCTION funnel_in(cstring) RETURNS funnel
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION funnel_out(funnel) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION funnel_recv(internal) RETURNS funnel
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION funnel_send(funnel) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE funnel (
    INPUT = funnel_in,
    OUTPUT = funnel_out,
    RECEIVE = funnel_recv,
    SEND = funnel_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE funnel IS 'customers reaching each funnel step and the time between steps, mergeable';

-- Transitions and merge handle NULLs themselves (a NULL path or level is
-- skipped, a NULL total_steps is an error): not strict.
CREATE FUNCTION funnel_add_path(funnel, funnel_path) RETURNS funnel
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_add_level(funnel, integer, integer) RETURNS funnel
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_merge(funnel, funnel) RETURNS funnel
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE funnel(funnel_path) (
    SFUNC = funnel_add_path, STYPE = funnel, COMBINEFUNC = funnel_merge, PARALLEL = SAFE
);
CREATE AGGREGATE funnel(steps_reached integer, total_steps integer) (
    SFUNC = funnel_add_level, STYPE = funnel, COMBINEFUNC = funnel_merge, PARALLEL = SAFE
);
CREATE AGGREGATE rollup(funnel) (
    SFUNC = funnel_merge, STYPE = funnel, COMBINEFUNC = funnel_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE funnel(funnel_path) IS 'roll customers'' funnel paths up into a funnel with times between steps';
COMMENT ON AGGREGATE funnel(integer, integer) IS 'roll customers'' funnel levels (e.g. funnel_step results) up into a funnel';
COMMENT ON AGGREGATE rollup(funnel) IS 'merge funnels, e.g. channels into a whole';

CREATE FUNCTION funnel_steps(funnel,
        OUT step integer, OUT customers bigint,
        OUT conversion_from_start double precision, OUT conversion_from_previous double precision,
        OUT dropped bigint, OUT median_from_previous interval, OUT p90_from_previous interval,
        OUT median_from_start interval)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'funnel_steps' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 8;
CREATE FUNCTION step_durations(funnel, step integer, from_start boolean DEFAULT false) RETURNS durations
    AS 'MODULE_PATHNAME', 'funnel_step_durations' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION num_customers(funnel) RETURNS bigint
    AS 'MODULE_PATHNAME', 'funnel_num_customers' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- src/rfm.sql
-- rfm: recency/frequency/monetary scores (src/rfm.c, src/rfm_score.c)

CREATE TYPE rfm;

CREATE FUNCTION rfm_in(cstring) RETURNS rfm
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_out(rfm) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_recv(internal) RETURNS rfm
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_send(rfm) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE rfm (
    INPUT = rfm_in,
    OUTPUT = rfm_out,
    RECEIVE = rfm_recv,
    SEND = rfm_send,
    INTERNALLENGTH = 4,
    PASSEDBYVALUE,
    ALIGNMENT = int4,
    STORAGE = plain
);
COMMENT ON TYPE rfm IS 'a customer''s recency, frequency and monetary scores (1..bins each, bins 2..9), e.g. ''543''';

CREATE CAST (rfm AS text) WITH INOUT AS ASSIGNMENT;

-- Constructor: not strict, so that a NULL bins is an error and a NULL
-- score gives NULL.
CREATE FUNCTION rfm(r integer, f integer, m integer, bins integer DEFAULT 5) RETURNS rfm
    AS 'MODULE_PATHNAME', 'rfm_make' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION recency_score(rfm) RETURNS integer
    AS 'MODULE_PATHNAME', 'rfm_recency_score' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION frequency_score(rfm) RETURNS integer
    AS 'MODULE_PATHNAME', 'rfm_frequency_score' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION monetary_score(rfm) RETURNS integer
    AS 'MODULE_PATHNAME', 'rfm_monetary_score' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_bins(rfm) RETURNS integer
    AS 'MODULE_PATHNAME', 'rfm_bins' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Ordering: by recency, frequency, monetary score, then bins.
CREATE FUNCTION rfm_cmp(rfm, rfm) RETURNS integer
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_eq(rfm, rfm) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION rfm_ne(rfm, rfm) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION rfm_lt(rfm, rfm) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION rfm_le(rfm, rfm) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION rfm_gt(rfm, rfm) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION rfm_ge(rfm, rfm) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION rfm_hash(rfm) RETURNS integer
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_hash_extended(rfm, bigint) RETURNS bigint
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR = (LEFTARG = rfm, RIGHTARG = rfm, FUNCTION = rfm_eq,
    COMMUTATOR = OPERATOR(=), NEGATOR = OPERATOR(<>),
    RESTRICT = pg_catalog.eqsel, JOIN = pg_catalog.eqjoinsel, HASHES, MERGES);
CREATE OPERATOR <> (LEFTARG = rfm, RIGHTARG = rfm, FUNCTION = rfm_ne,
    COMMUTATOR = OPERATOR(<>), NEGATOR = OPERATOR(=),
    RESTRICT = pg_catalog.neqsel, JOIN = pg_catalog.neqjoinsel);
CREATE OPERATOR < (LEFTARG = rfm, RIGHTARG = rfm, FUNCTION = rfm_lt,
    COMMUTATOR = OPERATOR(>), NEGATOR = OPERATOR(>=),
    RESTRICT = pg_catalog.scalarltsel, JOIN = pg_catalog.scalarltjoinsel);
CREATE OPERATOR <= (LEFTARG = rfm, RIGHTARG = rfm, FUNCTION = rfm_le,
    COMMUTATOR = OPERATOR(>=), NEGATOR = OPERATOR(>),
    RESTRICT = pg_catalog.scalarlesel, JOIN = pg_catalog.scalarlejoinsel);
CREATE OPERATOR > (LEFTARG = rfm, RIGHTARG = rfm, FUNCTION = rfm_gt,
    COMMUTATOR = OPERATOR(<), NEGATOR = OPERATOR(<=),
    RESTRICT = pg_catalog.scalargtsel, JOIN = pg_catalog.scalargtjoinsel);
CREATE OPERATOR >= (LEFTARG = rfm, RIGHTARG = rfm, FUNCTION = rfm_ge,
    COMMUTATOR = OPERATOR(<=), NEGATOR = OPERATOR(<),
    RESTRICT = pg_catalog.scalargesel, JOIN = pg_catalog.scalargejoinsel);

CREATE OPERATOR CLASS rfm_ops DEFAULT FOR TYPE rfm USING btree AS
    OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >,
    FUNCTION 1 rfm_cmp(rfm, rfm);
CREATE OPERATOR CLASS rfm_hash_ops DEFAULT FOR TYPE rfm USING hash AS
    OPERATOR 1 =,
    FUNCTION 1 rfm_hash(rfm),
    FUNCTION 2 rfm_hash_extended(rfm, bigint);

-- One pass: score each row against the other rows of its window
-- partition.  Frequency and monetary are double precision so integer,
-- bigint, numeric and real arguments all cast implicitly.  Not strict:
-- a NULL value gives a NULL score, a NULL bins is an error.
CREATE FUNCTION rfm_score(last_purchase timestamptz, frequency double precision,
                          monetary double precision) RETURNS rfm
    AS 'MODULE_PATHNAME', 'rfm_score_window' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION rfm_score(last_purchase timestamptz, frequency double precision,
                          monetary double precision, bins integer) RETURNS rfm
    AS 'MODULE_PATHNAME', 'rfm_score_window' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;

-- The reusable model: a population's value counts per dimension.
CREATE TYPE rfm_model;

CREATE FUNCTION rfm_model_in(cstring) RETURNS rfm_model
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_model_out(rfm_model) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_model_recv(internal) RETURNS rfm_model
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_model_send(rfm_model) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE rfm_model (
    INPUT = rfm_model_in,
    OUTPUT = rfm_model_out,
    RECEIVE = rfm_model_recv,
    SEND = rfm_model_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE rfm_model IS 'RFM cut points of a population: value counts per dimension, exact up to 4096 distinct values';

-- Transitions (not strict: NULL values skip the row, NULL bins is an error).
CREATE FUNCTION rfm_model_add(rfm_model, timestamptz, double precision, double precision) RETURNS rfm_model
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION rfm_model_add(rfm_model, timestamptz, double precision, double precision, integer) RETURNS rfm_model
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION rfm_model_merge(rfm_model, rfm_model) RETURNS rfm_model
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_model_final(rfm_model) RETURNS rfm_model
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE rfm_model(last_purchase timestamptz, frequency double precision, monetary double precision) (
    SFUNC = rfm_model_add,
    STYPE = rfm_model,
    FINALFUNC = rfm_model_final,
    COMBINEFUNC = rfm_model_merge,
    PARALLEL = SAFE
);
CREATE AGGREGATE rfm_model(last_purchase timestamptz, frequency double precision, monetary double precision,
                           bins integer) (
    SFUNC = rfm_model_add,
    STYPE = rfm_model,
    FINALFUNC = rfm_model_final,
    COMBINEFUNC = rfm_model_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rfm_model(timestamptz, double precision, double precision) IS 'RFM model of a population, 5 bins';
COMMENT ON AGGREGATE rfm_model(timestamptz, double precision, double precision, integer) IS 'RFM model of a population';

CREATE FUNCTION rfm_score(model rfm_model, last_purchase timestamptz, frequency double precision,
                          monetary double precision) RETURNS rfm
    AS 'MODULE_PATHNAME', 'rfm_model_score' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION rfm_bins(rfm_model) RETURNS integer
    AS 'MODULE_PATHNAME', 'rfm_model_bins' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_population(rfm_model) RETURNS bigint
    AS 'MODULE_PATHNAME', 'rfm_model_n' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_is_exact(rfm_model) RETURNS boolean
    AS 'MODULE_PATHNAME', 'rfm_model_is_exact' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_thresholds(rfm_model,
                               OUT dimension text, OUT score integer, OUT customers bigint,
                               OUT lower double precision, OUT upper double precision,
                               OUT lower_time timestamptz, OUT upper_time timestamptz)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'rfm_model_thresholds' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 15;

-- Named segments: the default map (see README) and a user map.
CREATE FUNCTION rfm_segment(rfm) RETURNS text
    AS 'MODULE_PATHNAME', 'rfm_segment_default' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_segment(rfm, map jsonb) RETURNS text
    AS 'MODULE_PATHNAME', 'rfm_segment_map' LANGUAGE C IMMUTABLE PARALLEL SAFE;
-- The default map for 5 bins written as a user map, to copy and edit.
CREATE FUNCTION rfm_segment_map() RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $map$ SELECT '[
  {"segment": "Champions",           "r": [4, 5], "fm": [4, 5]},
  {"segment": "Loyal Customers",     "r": [3, 5], "fm": [3, 5]},
  {"segment": "Can''t Lose Them",     "r": [1, 1], "fm": [4, 5]},
  {"segment": "At Risk",             "r": [1, 2], "fm": [3, 5]},
  {"segment": "Potential Loyalists", "r": [4, 5], "fm": [2, 3]},
  {"segment": "Need Attention",      "r": [3, 3], "fm": [2, 3]},
  {"segment": "New Customers",       "r": [5, 5], "fm": [1, 2]},
  {"segment": "Promising",           "r": [3, 4], "fm": [1, 2]},
  {"segment": "About To Sleep",      "r": [2, 2], "fm": [2, 3]},
  {"segment": "Hibernating",         "r": [2, 2], "fm": [1, 2]},
  {"segment": "Lost",                "r": [1, 1], "fm": [1, 3]}
]'::pg_catalog.jsonb $map$;

-- src/unit_economics.sql
-- unit economics: exact sums over acquired units (src/unit_economics.c)

CREATE TYPE unit_economics;

CREATE FUNCTION unit_economics_in(cstring) RETURNS unit_economics
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION unit_economics_out(unit_economics) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION unit_economics_recv(internal) RETURNS unit_economics
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION unit_economics_send(unit_economics) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE unit_economics (
    INPUT = unit_economics_in,
    OUTPUT = unit_economics_out,
    RECEIVE = unit_economics_recv,
    SEND = unit_economics_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE unit_economics IS 'exact sums over acquired units: units, buyers, purchases, revenue, cost, acquisition cost';

-- Transition (not strict: NULL revenue/cost/purchases count as 0, a NULL
-- acquisition cost is unknown).
CREATE FUNCTION unit_economics_add(unit_economics, numeric, numeric, bigint, numeric)
    RETURNS unit_economics
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION unit_economics_merge(unit_economics, unit_economics) RETURNS unit_economics
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ltv_per_unit(unit_economics) RETURNS numeric
    AS 'MODULE_PATHNAME', 'unit_economics_ltv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ltv_per_unit(unit_economics) IS 'lifetime gross margin per acquired unit: (revenue - cost) / units';

CREATE AGGREGATE unit_economics(revenue numeric, cost numeric, purchases bigint, acquisition_cost numeric) (
    SFUNC = unit_economics_add,
    STYPE = unit_economics,
    COMBINEFUNC = unit_economics_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE unit_economics(numeric, numeric, bigint, numeric) IS 'unit economics of the acquired units (one row per unit)';

CREATE AGGREGATE ltv_per_unit(revenue numeric, cost numeric, purchases bigint, acquisition_cost numeric) (
    SFUNC = unit_economics_add,
    STYPE = unit_economics,
    FINALFUNC = ltv_per_unit,
    COMBINEFUNC = unit_economics_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE ltv_per_unit(numeric, numeric, bigint, numeric) IS 'lifetime gross margin per acquired unit: (sum revenue - sum cost) / units';

CREATE AGGREGATE rollup(unit_economics) (
    SFUNC = unit_economics_merge,
    STYPE = unit_economics,
    COMBINEFUNC = unit_economics_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rollup(unit_economics) IS 'merge unit_economics values, e.g. channels into a total';

CREATE FUNCTION unit_economics_report(unit_economics, OUT metric text, OUT value numeric)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 22;
COMMENT ON FUNCTION unit_economics_report(unit_economics) IS 'every unit-economics figure as (metric, value) rows; a ratio over zero is NULL';

-- src/clv.sql
-- predictive CLV: clv_inputs, BG/NBD and Gamma-Gamma fits, predictions
-- (src/clv_inputs.c, src/clv_fit.c, src/clv_math.c)

-- A customer's transactions summarized for the models.
CREATE TYPE clv_inputs AS (frequency integer, recency double precision, t double precision, monetary numeric);
COMMENT ON TYPE clv_inputs IS 'BG/NBD inputs of one customer: repeat purchase periods, recency and age in periods, mean repeat spend';

CREATE FUNCTION clv_inputs_add(internal, timestamptz, numeric, timestamptz, interval) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clv_inputs_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clv_inputs_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clv_inputs_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clv_inputs_final(internal) RETURNS clv_inputs
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE clv_inputs(ts timestamptz, amount numeric, observation_end timestamptz, period interval) (
    SFUNC = clv_inputs_add,
    STYPE = internal,
    FINALFUNC = clv_inputs_final,
    FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = clv_inputs_combine,
    SERIALFUNC = clv_inputs_serialize,
    DESERIALFUNC = clv_inputs_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clv_inputs(timestamptz, numeric, timestamptz, interval) IS 'one customer''s (frequency, recency, t, monetary), periods anchored on the first purchase';

-- The same for timestamp without time zone (e.g. dates): no daylight-saving
-- hour, so a '1 day' period is a calendar day.
CREATE FUNCTION clv_inputs_add(internal, timestamp, numeric, timestamp, interval) RETURNS internal
    AS 'MODULE_PATHNAME', 'clv_inputs_add' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE clv_inputs(ts timestamp, amount numeric, observation_end timestamp, period interval) (
    SFUNC = clv_inputs_add,
    STYPE = internal,
    FINALFUNC = clv_inputs_final,
    FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = clv_inputs_combine,
    SERIALFUNC = clv_inputs_serialize,
    DESERIALFUNC = clv_inputs_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clv_inputs(timestamp, numeric, timestamp, interval) IS 'one customer''s (frequency, recency, t, monetary), periods anchored on the first purchase';

-- The fitted model.
CREATE TYPE clv_model;
CREATE FUNCTION clv_model_in(cstring) RETURNS clv_model
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clv_model_out(clv_model) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clv_model_recv(internal) RETURNS clv_model
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clv_model_send(clv_model) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE clv_model (
    INPUT = clv_model_in,
    OUTPUT = clv_model_out,
    RECEIVE = clv_model_recv,
    SEND = clv_model_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE clv_model IS 'a BG/NBD (r, alpha, a, b) or Gamma-Gamma (p, q, gamma) model, with log-likelihood and n when fitted';

-- The fits' state: distinct customer tuples with multiplicities (bounded).
CREATE TYPE clv_data;
CREATE FUNCTION clv_data_in(cstring) RETURNS clv_data
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clv_data_out(clv_data) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clv_data_recv(internal) RETURNS clv_data
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clv_data_send(clv_data) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE clv_data (
    INPUT = clv_data_in,
    OUTPUT = clv_data_out,
    RECEIVE = clv_data_recv,
    SEND = clv_data_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE clv_data IS 'state of bgnbd_fit/gamma_gamma_fit: distinct customer tuples with counts, at most 32768 (then gridded)';

-- Transitions (not strict: a row with a NULL is skipped) and the merge.
CREATE FUNCTION clv_data_add_bgnbd(clv_data, double precision, double precision, double precision) RETURNS clv_data
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clv_data_add_gg(clv_data, double precision, double precision) RETURNS clv_data
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clv_data_merge(clv_data, clv_data) RETURNS clv_data
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clv_fit(clv_data) RETURNS clv_model
    AS 'MODULE_PATHNAME', 'clv_data_fit' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clv_fit(clv_data) IS 'maximum-likelihood fit of the model the data were collected for';

CREATE AGGREGATE bgnbd_fit(frequency double precision, recency double precision, t double precision) (
    SFUNC = clv_data_add_bgnbd,
    STYPE = clv_data,
    FINALFUNC = clv_fit,
    COMBINEFUNC = clv_data_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE bgnbd_fit(double precision, double precision, double precision) IS 'maximum-likelihood BG/NBD fit over customers (frequency, recency, t)';

CREATE AGGREGATE gamma_gamma_fit(frequency double precision, monetary double precision) (
    SFUNC = clv_data_add_gg,
    STYPE = clv_data,
    FINALFUNC = clv_fit,
    COMBINEFUNC = clv_data_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE gamma_gamma_fit(double precision, double precision) IS 'maximum-likelihood Gamma-Gamma fit over repeat buyers (frequency, mean spend)';

-- The collected data themselves (to store partial fits or ship them).
CREATE AGGREGATE bgnbd_data(frequency double precision, recency double precision, t double precision) (
    SFUNC = clv_data_add_bgnbd,
    STYPE = clv_data,
    COMBINEFUNC = clv_data_merge,
    PARALLEL = SAFE
);
CREATE AGGREGATE gamma_gamma_data(frequency double precision, monetary double precision) (
    SFUNC = clv_data_add_gg,
    STYPE = clv_data,
    COMBINEFUNC = clv_data_merge,
    PARALLEL = SAFE
);
CREATE AGGREGATE rollup(clv_data) (
    SFUNC = clv_data_merge,
    STYPE = clv_data,
    COMBINEFUNC = clv_data_merge,
    PARALLEL = SAFE
);

-- Readers and predictions.  Not strict: a NULL model is an error, any
-- other NULL argument gives NULL.
CREATE FUNCTION clv_params(clv_model, OUT name text, OUT value double precision)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'clv_model_params' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 7;
COMMENT ON FUNCTION clv_params(clv_model) IS 'the model''s parameters, log-likelihood and n';

CREATE FUNCTION expected_purchases(model clv_model, horizon double precision, frequency double precision,
                                   recency double precision, t double precision) RETURNS double precision
    AS 'MODULE_PATHNAME', 'clv_expected_purchases' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION expected_purchases(clv_model, double precision, double precision, double precision, double precision)
    IS 'BG/NBD expected purchases in the next horizon periods of a customer (frequency, recency, t)';

CREATE FUNCTION probability_alive(model clv_model, frequency double precision, recency double precision,
                                  t double precision) RETURNS double precision
    AS 'MODULE_PATHNAME', 'clv_probability_alive' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION probability_alive(clv_model, double precision, double precision, double precision)
    IS 'BG/NBD probability that the customer is still alive at t';

CREATE FUNCTION expected_avg_value(model clv_model, frequency double precision, monetary double precision)
    RETURNS double precision
    AS 'MODULE_PATHNAME', 'clv_expected_avg_value' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION expected_avg_value(clv_model, double precision, double precision)
    IS 'Gamma-Gamma conditional expected mean spend per purchase';

CREATE FUNCTION customer_lifetime_value(bgnbd clv_model, gamma_gamma clv_model, frequency double precision,
                                        recency double precision, t double precision, monetary double precision,
                                        horizon_periods integer, discount_rate double precision)
    RETURNS double precision
    AS 'MODULE_PATHNAME', 'clv_customer_lifetime_value' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION customer_lifetime_value(clv_model, clv_model, double precision, double precision, double precision,
                                            double precision, integer, double precision)
    IS 'discounted expected value of the next horizon_periods periods (BG/NBD x Gamma-Gamma)';

-- src/lifecycle.sql
-- lifecycle: where a customer stands as of an instant (src/lifecycle.c)

CREATE TYPE lifecycle_stage AS ENUM
    ('prospect', 'activated_unused', 'active', 'resurrected', 'dormant', 'churned');
COMMENT ON TYPE lifecycle_stage IS 'a customer''s stage as of an instant; see lifecycle_stage()';

-- The stage and the instants that explain it, for outreach jobs.
CREATE TYPE lifecycle_status AS (
    stage lifecycle_stage,
    since timestamptz,
    activated_at timestamptz,
    last_use_at timestamptz
);
COMMENT ON TYPE lifecycle_status IS 'stage, the instant it began (when a bounded state knows it), activation and last use';

-- Not strict: a NULL ts or condition ignores the row but the customer still
-- counts (as a prospect); NULL parameters are an error raised inside.
CREATE FUNCTION lifecycle_transfn(internal, timestamptz, boolean, boolean, timestamptz, interval, interval)
    RETURNS internal AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION lifecycle_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION lifecycle_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lifecycle_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lifecycle_stage_final(internal) RETURNS lifecycle_stage
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION lifecycle_status_final(internal) RETURNS lifecycle_status
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE lifecycle_stage(ts timestamptz, is_activation boolean, is_use boolean,
                                 as_of timestamptz, dormant_after interval, churned_after interval) (
    SFUNC = lifecycle_transfn, STYPE = internal, SSPACE = 64, FINALFUNC = lifecycle_stage_final,
    COMBINEFUNC = lifecycle_combine, SERIALFUNC = lifecycle_serialize,
    DESERIALFUNC = lifecycle_deserialize, PARALLEL = SAFE
);
COMMENT ON AGGREGATE lifecycle_stage(timestamptz, boolean, boolean, timestamptz, interval, interval)
    IS 'a customer''s lifecycle stage as of an instant: prospect, activated_unused, active, resurrected, dormant, churned';

CREATE AGGREGATE lifecycle_status(ts timestamptz, is_activation boolean, is_use boolean,
                                  as_of timestamptz, dormant_after interval, churned_after interval) (
    SFUNC = lifecycle_transfn, STYPE = internal, SSPACE = 64, FINALFUNC = lifecycle_status_final,
    COMBINEFUNC = lifecycle_combine, SERIALFUNC = lifecycle_serialize,
    DESERIALFUNC = lifecycle_deserialize, PARALLEL = SAFE
);
COMMENT ON AGGREGATE lifecycle_status(timestamptz, boolean, boolean, timestamptz, interval, interval)
    IS 'lifecycle_stage with the instant the stage began, the activation and the last use';

-- src/retention.sql
-- retention: ClickHouse's retention(), per-period activity, cohort
-- retention and PostHog-style period lifecycle (src/retention.c)

-- retention(VARIADIC boolean[]): the state is an int8 (conditions seen in
-- bits 0..31, their number in bits 32..39), so no serialization is needed.
CREATE FUNCTION retention_transfn(bigint, boolean[]) RETURNS bigint
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION retention_combine(bigint, bigint) RETURNS bigint
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION retention_final(bigint) RETURNS integer[]
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE retention(VARIADIC conds boolean[]) (
    SFUNC = retention_transfn, STYPE = bigint, FINALFUNC = retention_final,
    COMBINEFUNC = retention_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE retention(boolean[])
    IS 'ClickHouse retention(): r[1] = condition 1 met by some row; r[i] = r[1] and condition i met by some row';

-- active_periods: per customer, one bit per period (leftmost = period 0).
-- The state is the bit string; the combine function ORs partial states.
CREATE FUNCTION active_periods_transfn(bit varying, timestamptz, boolean, timestamptz, interval, integer)
    RETURNS bit varying AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION active_periods_combine(bit varying, bit varying) RETURNS bit varying
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE AGGREGATE active_periods(ts timestamptz, is_active boolean, origin timestamptz,
                                period interval, periods integer) (
    SFUNC = active_periods_transfn, STYPE = bit varying,
    COMBINEFUNC = active_periods_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE active_periods(timestamptz, boolean, timestamptz, interval, integer)
    IS 'bit k set when an active row falls in [origin + k*period, origin + (k+1)*period)';

CREATE FUNCTION period_lifecycle(active bit varying, first_seen timestamptz, origin timestamptz,
                                 period interval, OUT period_start timestamptz, OUT status text)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION period_lifecycle(bit varying, timestamptz, timestamptz, interval)
    IS 'per period 1..n-1 of active_periods(): new, returning, resurrecting or dormant, as PostHog''s lifecycle chart';

-- cohort_retention: customers of a cohort and how many were active per period.
CREATE TYPE cohort_retention;
CREATE FUNCTION cohort_retention_in(cstring) RETURNS cohort_retention
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cohort_retention_out(cohort_retention) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cohort_retention_recv(internal) RETURNS cohort_retention
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cohort_retention_send(cohort_retention) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE cohort_retention (
    INPUT = cohort_retention_in,
    OUTPUT = cohort_retention_out,
    RECEIVE = cohort_retention_recv,
    SEND = cohort_retention_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE cohort_retention IS 'customers of a cohort and how many of them were active in each period';

CREATE FUNCTION cohort_retention_add(cohort_retention, bit varying) RETURNS cohort_retention
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cohort_retention_merge(cohort_retention, cohort_retention) RETURNS cohort_retention
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE AGGREGATE retention_agg(active bit varying) (
    SFUNC = cohort_retention_add, STYPE = cohort_retention,
    COMBINEFUNC = cohort_retention_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE retention_agg(bit varying)
    IS 'count customers, and customers active per period, from active_periods() bit strings';
CREATE AGGREGATE rollup(cohort_retention) (
    SFUNC = cohort_retention_merge, STYPE = cohort_retention,
    COMBINEFUNC = cohort_retention_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE rollup(cohort_retention) IS 'merge cohort_retention values, e.g. cohorts into a total';

CREATE FUNCTION retention_matrix(cohort_retention, OUT period integer, OUT customers bigint,
                                 OUT active bigint, OUT share double precision)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'cohort_retention_matrix' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 12;
COMMENT ON FUNCTION retention_matrix(cohort_retention)
    IS 'one row per period: customers, customers active in it, and their share';
CREATE FUNCTION retention_share(cohort_retention, period integer) RETURNS double precision
    AS 'MODULE_PATHNAME', 'cohort_retention_share' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION retention_share(cohort_retention, integer)
    IS 'share of the cohort active in the period (0-based); NULL past the last period or for an empty cohort';
CREATE FUNCTION cohort_size(cohort_retention) RETURNS bigint
    AS 'MODULE_PATHNAME', 'cohort_retention_customers' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- src/outreach.sql
-- outreach: turn milestones into exactly one queue row each, from a
-- scheduled job (pg_cron) or by hand.  See README "lifecycle, retention,
-- outreach" for the recipe.

-- outreach_enqueue(queue, candidates): run the query `candidates` (it must
-- return columns customer_id, milestone, reached_at) and insert every row
-- whose reached_at is not NULL and not in the future into `queue`, in ONE
-- statement with ON CONFLICT DO NOTHING, so that
--   * a rerun inserts nothing new (the rows conflict on the queue's key),
--   * a run that fails or is cancelled half-way inserts nothing at all
--     (the statement rolls back) and the next run finds the same rows,
--   * two overlapping runs never both insert a row: the second waits on
--     the first's uncommitted row, then does nothing.
-- The queue must have a unique constraint or index, not partial, on a
-- subset of (customer_id, milestone, reached_at): that key is what makes
-- reruns idempotent, so the function checks it exists.  Returns the number
-- of rows inserted.  Runs with the caller's rights (SECURITY INVOKER).
CREATE FUNCTION outreach_enqueue(queue regclass, candidates text) RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $fn$
DECLARE
    inserted bigint;
BEGIN
    IF queue IS NULL OR candidates IS NULL THEN
        RAISE EXCEPTION 'outreach_enqueue: queue and candidates must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT EXISTS (
        SELECT 1
        FROM pg_catalog.pg_index i
        WHERE i.indrelid = queue AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
          AND NOT EXISTS (
              SELECT 1
              FROM pg_catalog.unnest(i.indkey::int2[]) AS k(attnum)
              JOIN pg_catalog.pg_attribute a ON a.attrelid = queue AND a.attnum = k.attnum
              WHERE a.attname OPERATOR(pg_catalog.<>) ALL (ARRAY['customer_id', 'milestone', 'reached_at']::name[]))) THEN
        RAISE EXCEPTION 'outreach_enqueue: % has no unique key on (customer_id, milestone, reached_at) or a part of it', queue
            USING ERRCODE = 'invalid_table_definition',
                  DETAIL = 'Without such a key a rerun would insert the same milestone twice.',
                  HINT = 'Add PRIMARY KEY (customer_id, milestone, reached_at), or UNIQUE (customer_id, milestone) for once per customer ever.';
    END IF;
    EXECUTE pg_catalog.format(
        'INSERT INTO %s AS q (customer_id, milestone, reached_at) '
        'SELECT c.customer_id, c.milestone, c.reached_at FROM (%s) AS c '
        'WHERE c.reached_at OPERATOR(pg_catalog.<=) pg_catalog.now() '
        'ON CONFLICT DO NOTHING', queue, candidates);
    GET DIAGNOSTICS inserted = ROW_COUNT;
    RETURN inserted;
END
$fn$;
COMMENT ON FUNCTION outreach_enqueue(regclass, text)
    IS 'insert candidate milestones (customer_id, milestone, reached_at) into a queue once each: idempotent, crash- and overlap-safe';

-- outreach_claim(queue, batch): for the sender.  Marks up to `batch` unsent
-- rows of the queue as sent (sent_at = now()) and returns their keys;
-- rows another sender is claiming right now are skipped (SKIP LOCKED), so
-- concurrent senders never claim the same row.  The queue needs a sent_at
-- timestamptz column.  If the caller's transaction rolls back, the rows
-- stay unsent.
CREATE FUNCTION outreach_claim(queue regclass, batch integer,
                               OUT customer_id text, OUT milestone text, OUT reached_at timestamptz)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE ROWS 100
AS $fn$
BEGIN
    IF queue IS NULL OR batch IS NULL OR batch < 1 THEN
        RAISE EXCEPTION 'outreach_claim: queue must not be null and batch must be at least 1'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY EXECUTE pg_catalog.format(
        'UPDATE %1$s AS q SET sent_at = pg_catalog.now() '
        'WHERE q.ctid = ANY (ARRAY(SELECT s.ctid FROM %1$s AS s WHERE s.sent_at IS NULL '
        '                          ORDER BY s.reached_at LIMIT %2$s FOR UPDATE SKIP LOCKED)) '
        'AND q.sent_at IS NULL '
        'RETURNING q.customer_id::text, q.milestone::text, q.reached_at', queue, batch);
END
$fn$;
COMMENT ON FUNCTION outreach_claim(regclass, integer)
    IS 'mark up to batch unsent queue rows as sent and return them; concurrent senders skip each other''s rows';

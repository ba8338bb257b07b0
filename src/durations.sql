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

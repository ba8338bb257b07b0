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
-- Readers for charts: every interval column x comes with x_seconds
-- (float8) right after it.  scale 'linear' (equal-width bins) or 'log'
-- (bins growing by equal ratios, for long tails).
CREATE FUNCTION histogram(durations, bins integer, scale text DEFAULT 'linear',
                          OUT lower interval, OUT lower_seconds double precision,
                          OUT upper interval, OUT upper_seconds double precision, OUT count bigint)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'durations_histogram' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION histogram(durations, integer, text)
    IS 'bins from min to max, equal-width (scale ''linear'') or at equal ratios (scale ''log''), bounds also in seconds';
CREATE FUNCTION quantile_rows(durations, fractions double precision[],
                              OUT fraction double precision, OUT quantile interval,
                              OUT quantile_seconds double precision)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'durations_quantile_rows' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 5;
COMMENT ON FUNCTION quantile_rows(durations, double precision[])
    IS 'quantiles as rows (fraction, quantile, quantile_seconds) for charts';

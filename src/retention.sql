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
-- The state (a bytea) carries origin, period and periods with the bits, so
-- a row or partial state with other parameters is an error.
CREATE FUNCTION active_periods_trans(bytea, timestamptz, boolean, timestamptz, interval, integer)
    RETURNS bytea AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION active_periods_merge(bytea, bytea) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION active_periods_final(bytea) RETURNS bit varying
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE AGGREGATE active_periods(ts timestamptz, is_active boolean, origin timestamptz,
                                period interval, periods integer) (
    SFUNC = active_periods_trans, STYPE = bytea, FINALFUNC = active_periods_final,
    COMBINEFUNC = active_periods_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE active_periods(timestamptz, boolean, timestamptz, interval, integer)
    IS 'bit k set when an active row falls in [origin + k*period, origin + (k+1)*period)';
CREATE FUNCTION active_periods_trans_as_of(bytea, timestamptz, boolean, timestamptz, interval, integer, timestamptz)
    RETURNS bytea AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE active_periods(ts timestamptz, is_active boolean, origin timestamptz,
                                period interval, periods integer, as_of timestamptz) (
    SFUNC = active_periods_trans_as_of, STYPE = bytea, FINALFUNC = active_periods_final,
    COMBINEFUNC = active_periods_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE active_periods(timestamptz, boolean, timestamptz, interval, integer, timestamptz)
    IS 'as active_periods(ts, is_active, origin, period, periods), only the periods ending by as_of (the bit string is that long)';
-- retention modes: per-customer bit strings to feed retention_agg
CREATE FUNCTION retention_on_or_after(active bit varying) RETURNS bit varying
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION retention_on_or_after(bit varying)
    IS 'bit k set when the customer is active in period k or any later observed period (Mixpanel''s on-or-after)';
CREATE FUNCTION retention_brackets(active bit varying, brackets integer[]) RETURNS bit varying
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION retention_brackets(bit varying, integer[])
    IS 'bit j set when the customer is active in some period of [brackets[j], brackets[j+1]); only fully observed brackets';

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
CREATE FUNCTION cohort_retention_add_period(cohort_retention, bit varying, interval) RETURNS cohort_retention
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE retention_agg(active bit varying, period interval) (
    SFUNC = cohort_retention_add_period, STYPE = cohort_retention,
    COMBINEFUNC = cohort_retention_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE retention_agg(bit varying, interval)
    IS 'as retention_agg(bit varying), and the value records the period so that rollup refuses to mix periods';
CREATE AGGREGATE rollup(cohort_retention) (
    SFUNC = cohort_retention_merge, STYPE = cohort_retention,
    COMBINEFUNC = cohort_retention_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE rollup(cohort_retention)
    IS 'merge cohort_retention values, e.g. cohorts into a total; their periods must agree where known';

CREATE FUNCTION retention_matrix(r cohort_retention, cohort_start timestamptz DEFAULT NULL,
                                 OUT period integer, OUT period_start timestamptz, OUT customers bigint,
                                 OUT observed bigint, OUT active bigint, OUT share double precision)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'cohort_retention_matrix' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 12;
COMMENT ON FUNCTION retention_matrix(cohort_retention, timestamptz)
    IS 'one row per period: its start (cohort_start + k * period), customers, customers observed and active in it, active / observed';
CREATE FUNCTION retention_share(cohort_retention, period integer) RETURNS double precision
    AS 'MODULE_PATHNAME', 'cohort_retention_share' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION retention_share(cohort_retention, integer)
    IS 'share of the customers observed in the period (0-based) who were active in it; NULL past the last period or when none was observed';
CREATE FUNCTION cohort_size(cohort_retention) RETURNS bigint
    AS 'MODULE_PATHNAME', 'cohort_retention_customers' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cohort_period(cohort_retention) RETURNS interval
    AS 'MODULE_PATHNAME', 'cohort_retention_period' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cohort_period(cohort_retention)
    IS 'the period the value was built with (retention_agg(bits, period)); NULL when unknown';

-- journey 0.1.0 -> 0.2.0 upgrade script.
--
-- Every change to SQL objects between the two versions, in the order the
-- install script (src/*.sql) has them, one section per capability.  The
-- upgrade test (test/upgrade.sql) checks that a 0.1.0 database updated by
-- this script has exactly the objects of a fresh 0.2.0 install.
\echo Use "ALTER EXTENSION journey UPDATE TO '0.2.0'" to load this file. \quit

-- durations

-- ttfv

-- funnel
-- No SQL object changes: the funnel_step/funnel_path overloads are now
-- generated (src/funnel_overloads.sh) but identical; the funnel and
-- funnel_path format version 2 (window and mode) and the positive-window
-- check are in the shared library, which reads version 1 values.

-- rfm

-- unit_economics

-- clv

-- lifecycle

-- retention

-- active_periods: the state carries origin, period and periods, so that a
-- row or partial state with other parameters is an error.  The aggregate
-- is re-created (its state type changes); a view using it must be dropped
-- before the update and re-created after.
DROP AGGREGATE active_periods(timestamptz, boolean, timestamptz, interval, integer);
DROP FUNCTION active_periods_transfn(bit varying, timestamptz, boolean, timestamptz, interval, integer);
DROP FUNCTION active_periods_combine(bit varying, bit varying);
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

-- cohort_retention records its period (format version 2; 0.1.0 values
-- read as "period unknown"): retention_agg(bits, period), cohort_period().
CREATE FUNCTION cohort_retention_add_period(cohort_retention, bit varying, interval) RETURNS cohort_retention
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE retention_agg(active bit varying, period interval) (
    SFUNC = cohort_retention_add_period, STYPE = cohort_retention,
    COMBINEFUNC = cohort_retention_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE retention_agg(bit varying, interval)
    IS 'as retention_agg(bit varying), and the value records the period so that rollup refuses to mix periods';
COMMENT ON AGGREGATE rollup(cohort_retention)
    IS 'merge cohort_retention values, e.g. cohorts into a total; their periods must agree where known';
CREATE FUNCTION cohort_period(cohort_retention) RETURNS interval
    AS 'MODULE_PATHNAME', 'cohort_retention_period' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cohort_period(cohort_retention)
    IS 'the period the value was built with (retention_agg(bits, period)); NULL when unknown';

-- outreach

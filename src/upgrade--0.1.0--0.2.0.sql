-- journey 0.1.0 -> 0.2.0 upgrade script.
--
-- make builds journey--0.1.0--0.2.0.sql from this file, which changes the
-- objects 0.1.0 already had (in the order the install script has them, one
-- section per capability), followed by the parts new in 0.2.0 as they are
-- (UPGRADE_NEW_PARTS in the Makefile: src/funnel_labels.sql and
-- src/timeline.sql).  The upgrade test
-- (test/upgrade.sql) checks that a 0.1.0 database updated by the script
-- has exactly the objects of a fresh 0.2.0 install.
\echo Use "ALTER EXTENSION journey UPDATE TO '0.2.0'" to load this file. \quit

-- durations
-- histogram gains lower_seconds and upper_seconds (the agreed convention
-- for readers: every interval column x has x_seconds float8 after it) and
-- a scale argument ('linear', the default, or 'log'): its OUT columns
-- change, so it is dropped and created again (a view using it must be
-- dropped before the update).  quantile_rows is new.
DROP FUNCTION histogram(durations, integer);
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

-- ttfv

-- funnel
-- The funnel_step/funnel_path overloads with separate conditions are now
-- generated (src/funnel_overloads.sh) but identical; the funnel and
-- funnel_path format version 2 (window and mode) and the positive-window
-- check are in the shared library, which reads version 1 values.
-- The label form is new in 0.2.0: src/funnel_labels.sql, appended below.
-- funnel_steps gains label, in_progress and a _seconds column after each
-- interval: its OUT columns change, so it is dropped and created again (a
-- view using it must be dropped before the update and re-created after).
-- The funnel format version 3 (as_of, in progress) is in the shared
-- library, which reads versions 1 and 2.  funnel(funnel_path, as_of) and
-- funnel_steps(funnel, labels) are new: src/funnelx.sql, appended below.
DROP FUNCTION funnel_steps(funnel);
CREATE FUNCTION funnel_steps(funnel,
        OUT step integer, OUT label text, OUT customers bigint, OUT in_progress bigint,
        OUT conversion_from_start double precision, OUT conversion_from_previous double precision,
        OUT dropped bigint,
        OUT median_from_previous interval, OUT median_from_previous_seconds double precision,
        OUT p90_from_previous interval, OUT p90_from_previous_seconds double precision,
        OUT median_from_start interval, OUT median_from_start_seconds double precision)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'funnel_steps' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION funnel_steps(funnel)
    IS 'one row per step: customers, in progress (funnel with as_of), conversion, drop-off, times between steps (interval and seconds); label is NULL (see funnel_steps(funnel, text[]))';

-- rfm
-- The rfm type and rfm_model carry a scale per dimension (rfm: a second
-- layout used only when the scales differ, 0.1.0 values unchanged;
-- rfm_model: format version 2, version 1 values converted when read), in
-- the shared library; the new functions are in src/rfm_more.sql, appended
-- below.  rfm_segment_map() fixes its search_path like every SQL function
-- of the extension (its body was and is fully qualified), and its rules
-- gain a priority and an action.  Written as CREATE OR REPLACE, the one
-- use PostgreSQL's extension guidelines allow (see outreach below): the
-- function is a member of this extension, and views using it keep working.
CREATE OR REPLACE FUNCTION rfm_segment_map() RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    AS $map$ SELECT '[
  {"segment": "Champions",           "r": [4, 5], "fm": [4, 5], "priority": 3,
   "action": "Reward them: early access, referrals, reviews; no discounts needed"},
  {"segment": "Loyal Customers",     "r": [3, 5], "fm": [3, 5], "priority": 4,
   "action": "Upsell higher tiers, loyalty programme, ask for reviews"},
  {"segment": "Can''t Lose Them",     "r": [1, 1], "fm": [4, 5], "priority": 1,
   "action": "Win them back personally: call, renewal offer, find out what went wrong"},
  {"segment": "At Risk",             "r": [1, 2], "fm": [3, 5], "priority": 2,
   "action": "Personal reactivation: tailored offer, reminder of what they used"},
  {"segment": "Potential Loyalists", "r": [4, 5], "fm": [2, 3], "priority": 5,
   "action": "Membership or loyalty offer, recommend the next product"},
  {"segment": "Need Attention",      "r": [3, 3], "fm": [2, 3], "priority": 6,
   "action": "Limited-time offer based on their past purchases"},
  {"segment": "New Customers",       "r": [5, 5], "fm": [1, 2], "priority": 7,
   "action": "Onboarding: help them to a first success, then a second purchase"},
  {"segment": "Promising",           "r": [3, 4], "fm": [1, 2], "priority": 8,
   "action": "Build awareness: free trial, content, a small incentive"},
  {"segment": "About To Sleep",      "r": [2, 2], "fm": [2, 3], "priority": 9,
   "action": "Reconnect with popular products and useful content"},
  {"segment": "Hibernating",         "r": [2, 2], "fm": [1, 2], "priority": 10,
   "action": "Low-cost automated campaign; relevant products, special price"},
  {"segment": "Lost",                "r": [1, 1], "fm": [1, 3], "priority": 11,
   "action": "Do not spend effort beyond one automated win-back"}
]'::pg_catalog.jsonb $map$;

-- unit_economics

-- clv
-- clv_params gains the column converged (and the rows iterations and
-- gradient_norm): its OUT columns change, so it is dropped and created again.
DROP FUNCTION clv_params(clv_model);
CREATE FUNCTION clv_params(clv_model, OUT name text, OUT value double precision, OUT converged boolean)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'clv_model_params' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 9;
COMMENT ON FUNCTION clv_params(clv_model) IS 'the model''s parameters, log-likelihood, n, grid, iterations and gradient norm; converged says whether the fit reached an interior maximum';

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

-- Observed periods (format version 3 of cohort_retention: observed counts
-- per period; versions 1 and 2 read as every customer observed):
-- active_periods(..., as_of) gives a customer only the periods ending by
-- as_of; retention_agg/rollup count, per period, the customers observed;
-- retention_share divides by them; retention_matrix gains period_start
-- (with cohort_start), observed and a NULL share where none was observed.
-- Its OUT columns change, so it is dropped and created again.
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
DROP FUNCTION retention_matrix(cohort_retention);
CREATE FUNCTION retention_matrix(r cohort_retention, cohort_start timestamptz DEFAULT NULL,
                                 OUT period integer, OUT period_start timestamptz, OUT customers bigint,
                                 OUT observed bigint, OUT active bigint, OUT share double precision)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'cohort_retention_matrix' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 12;
COMMENT ON FUNCTION retention_matrix(cohort_retention, timestamptz)
    IS 'one row per period: its start (cohort_start + k * period), customers, customers observed and active in it, active / observed';
COMMENT ON FUNCTION retention_share(cohort_retention, integer)
    IS 'share of the customers observed in the period (0-based) who were active in it; NULL past the last period or when none was observed';

-- outreach
-- Both functions qualify every operator, function, type and cast they use,
-- in their bodies and in their dynamic SQL (0.1.0's unqualified
-- `oid = regclass` let a planted public.= run as the caller, e.g. a
-- superuser or the pg_cron job); outreach_claim also fixes its
-- search_path; error messages lose their "function:" prefix.  Written as
-- CREATE OR REPLACE, the one use PostgreSQL's extension guidelines allow:
-- changing a function that is already a member of this extension (the
-- command fails if it is not), which keeps its OID, owner and grants
-- (a DROP and CREATE would give EXECUTE back to PUBLIC).
CREATE OR REPLACE FUNCTION outreach_enqueue(queue regclass, candidates text) RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $fn$
DECLARE
    inserted bigint;
BEGIN
    IF queue IS NULL OR candidates IS NULL THEN
        RAISE EXCEPTION 'queue and candidates must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT EXISTS (
        SELECT 1
        FROM pg_catalog.pg_index i
        WHERE i.indrelid OPERATOR(pg_catalog.=) queue::pg_catalog.oid
          AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
          AND NOT EXISTS (
              SELECT 1
              FROM pg_catalog.unnest(i.indkey::pg_catalog.int2[]) AS k(attnum)
              JOIN pg_catalog.pg_attribute a
                ON a.attrelid OPERATOR(pg_catalog.=) queue::pg_catalog.oid
               AND a.attnum OPERATOR(pg_catalog.=) k.attnum
              WHERE a.attname OPERATOR(pg_catalog.<>)
                    ALL (ARRAY['customer_id', 'milestone', 'reached_at']::pg_catalog.name[]))) THEN
        RAISE EXCEPTION 'queue % has no unique key on (customer_id, milestone, reached_at) or a subset of it', queue
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

CREATE OR REPLACE FUNCTION outreach_claim(queue regclass, batch integer,
                               OUT customer_id text, OUT milestone text, OUT reached_at timestamptz)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE ROWS 100
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF queue IS NULL OR batch IS NULL THEN
        RAISE EXCEPTION 'queue and batch must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF batch OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'batch must be at least 1'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY EXECUTE pg_catalog.format(
        'UPDATE %1$s AS q SET sent_at = pg_catalog.now() '
        'WHERE q.ctid OPERATOR(pg_catalog.=) ANY (ARRAY('
        'SELECT s.ctid FROM %1$s AS s WHERE s.sent_at IS NULL '
        'ORDER BY s.reached_at LIMIT %2$s FOR UPDATE SKIP LOCKED)) '
        'AND q.sent_at IS NULL '
        'RETURNING q.customer_id::pg_catalog.text, q.milestone::pg_catalog.text, '
        'q.reached_at::pg_catalog.timestamptz', queue, batch);
END
$fn$;

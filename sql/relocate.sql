-- The extension installed in a schema of its own (CREATE EXTENSION journey
-- SCHEMA analytics) and used from a search_path without that schema: every
-- capability works with schema-qualified calls, including aggregates whose
-- support functions reach other objects of the extension (the lifecycle
-- stage enum, the durations inside a funnel), the casts and operators of
-- our types, and the outreach functions.  relocatable = false: the schema
-- is chosen at CREATE EXTENSION and cannot be changed afterwards.
--
-- Runs in a database of its own, dropped at the end.
CREATE DATABASE journey_relocate;
\c journey_relocate
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = postgres;
CREATE SCHEMA analytics;
CREATE EXTENSION journey SCHEMA analytics;
SELECT e.extname, n.nspname AS schema, e.extrelocatable
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'journey';
-- no object of the extension outside its schema
SELECT count(*) AS objects_elsewhere
FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'journey'
WHERE d.deptype = 'e'
  AND CASE d.classid
        WHEN 'pg_proc'::regclass THEN (SELECT pronamespace FROM pg_proc WHERE oid = d.objid)
        WHEN 'pg_type'::regclass THEN (SELECT typnamespace FROM pg_type WHERE oid = d.objid)
        WHEN 'pg_operator'::regclass THEN (SELECT oprnamespace FROM pg_operator WHERE oid = d.objid)
        WHEN 'pg_opclass'::regclass THEN (SELECT opcnamespace FROM pg_opclass WHERE oid = d.objid)
        WHEN 'pg_opfamily'::regclass THEN (SELECT opfnamespace FROM pg_opfamily WHERE oid = d.objid)
      END IS DISTINCT FROM 'analytics'::regnamespace
  AND d.classid NOT IN ('pg_cast'::regclass);
ALTER EXTENSION journey SET SCHEMA public;

SET search_path = public;
-- Deterministic events: 12 customers over 40 days.
CREATE TABLE rl_events AS
SELECT c AS customer_id,
       timestamptz '2024-01-01 00:00:00+00' + ((c * 7 + k * 13) % 40) * interval '1 day'
         + (c * 37 % 24) * interval '1 hour' AS ts,
       (ARRAY['signup', 'activate', 'use', 'pay'])[1 + (c + k) % 4] AS name,
       ((c * 31 + k * 17) % 50 + 1)::numeric AS amount
FROM generate_series(1, 12) c, generate_series(0, 7) k;

-- durations and time to first value
WITH t AS (
  SELECT customer_id, analytics.time_to_first_value(ts, name = 'signup', name = 'pay') AS ttfv
  FROM rl_events GROUP BY customer_id)
SELECT analytics.num_vals(d) AS n, analytics.min_val(d) AS min, analytics.max_val(d) AS max,
       analytics.quantile(d, 0.5) BETWEEN analytics.min_val(d) AND analytics.max_val(d) AS median_inside,
       analytics.num_vals(analytics.rollup(d) OVER ()) AS rolled_up,
       analytics.num_vals(d::text::analytics.durations) AS after_text_round_trip
FROM (SELECT analytics.duration_agg(ttfv) AS d FROM t) s;
SELECT count(*) AS bins, sum(count) AS durations FROM analytics.histogram(
  (SELECT analytics.duration_agg(ts - timestamptz '2024-01-01 00:00:00+00') FROM rl_events), 3);

-- funnels: funnel_step, funnel_path -> funnel (durations inside) -> funnel_steps, rollup
SELECT analytics.funnel_step(ts, interval '30 days', name = 'signup', name = 'activate', name = 'pay') AS level,
       count(*) OVER () AS customers
FROM rl_events GROUP BY customer_id ORDER BY customer_id LIMIT 3;
WITH p AS (
  SELECT customer_id % 2 AS half,
         analytics.funnel_path(ts, interval '30 days', name = 'signup', name = 'activate', name = 'pay') AS path
  FROM rl_events GROUP BY customer_id),
f AS (SELECT half, analytics.funnel(path) AS f FROM p GROUP BY half)
SELECT s.step, s.customers, s.dropped, s.median_from_previous IS NOT NULL AS has_median
FROM (SELECT analytics.rollup(f) AS f FROM f) r, analytics.funnel_steps(r.f) s ORDER BY s.step;

-- rfm: the type, its casts, operators, opclasses; scores, model, segments
SELECT analytics.rfm(5, 4, 3) AS built, '543'::analytics.rfm::text AS via_text,
       '543'::analytics.rfm OPERATOR(analytics.=) analytics.rfm(5, 4, 3) AS eq,
       '543'::analytics.rfm OPERATOR(analytics.<) '544'::analytics.rfm AS lt,
       analytics.recency_score('543'), analytics.rfm_segment('545'),
       analytics.rfm_segment('545', analytics.rfm_segment_map()) AS segment_by_map;
SELECT v AS sorted_by_default_btree_opclass
FROM (VALUES ('111'::analytics.rfm), ('511'), ('155'), ('111')) x(v) GROUP BY v ORDER BY v;
WITH c AS (
  SELECT customer_id, max(ts) AS last_purchase, count(*)::float8 AS frequency, sum(amount)::float8 AS monetary
  FROM rl_events WHERE name = 'pay' GROUP BY customer_id),
m AS (SELECT analytics.rfm_model(last_purchase, frequency, monetary, 3) AS m FROM c)
SELECT c.customer_id, analytics.rfm_score(m.m, c.last_purchase, c.frequency, c.monetary) AS by_model,
       analytics.rfm_score(c.last_purchase, c.frequency, c.monetary, 3) OVER () AS by_window
FROM c, m ORDER BY c.customer_id LIMIT 4;

-- unit economics (one row per acquired customer), rolled up from two halves
SELECT metric, value FROM analytics.unit_economics_report(
  (SELECT analytics.rollup(u) FROM (
     SELECT analytics.unit_economics(revenue, 0, purchases, 10) AS u
     FROM (SELECT customer_id, coalesce(sum(amount) FILTER (WHERE name = 'pay'), 0) AS revenue,
                  count(*) FILTER (WHERE name = 'pay') AS purchases
           FROM rl_events GROUP BY customer_id) c
     GROUP BY customer_id % 2) x))
WHERE metric IN ('ua', 'buyers', 'purchases', 'revenue') ORDER BY metric;

-- CLV: inputs (a composite type of the extension), data, fits, predictions
WITH i AS (
  SELECT customer_id, analytics.clv_inputs(ts, amount, timestamptz '2024-02-15 00:00:00+00', interval '1 day') AS x
  FROM rl_events WHERE name = 'pay' GROUP BY customer_id)
SELECT customer_id, (x).frequency, (x).recency, (x).t, (x).monetary FROM i ORDER BY customer_id LIMIT 3;
SELECT analytics.expected_purchases('bgnbd(r=0.25,alpha=4,a=0.8,b=2.5)'::analytics.clv_model, 10, 2, 20, 30)::numeric(10, 3)
       AS expected_purchases,
       analytics.probability_alive('bgnbd(r=0.25,alpha=4,a=0.8,b=2.5)', 2, 20, 30)::numeric(10, 3) AS p_alive;
SELECT analytics.rollup(d)::text::analytics.clv_data IS NOT NULL AS rolled_up_and_read_back
FROM (SELECT analytics.bgnbd_data(f, r, t) AS d
      FROM (VALUES (2.0::float8, 30.0::float8, 38.0::float8), (0, 0, 38), (5, 36, 38), (1, 10, 38)) v(f, r, t)
      GROUP BY f > 1) x;

-- lifecycle: the final function looks the stage enum up in the extension's schema
SELECT customer_id,
       analytics.lifecycle_stage(ts, name = 'activate', name = 'use', timestamptz '2024-02-15 00:00:00+00',
                                 '7 days', '30 days') AS stage,
       (analytics.lifecycle_status(ts, name = 'activate', name = 'use', timestamptz '2024-02-15 00:00:00+00',
                                   '7 days', '30 days')).stage = 'dormant'::analytics.lifecycle_stage AS dormant
FROM rl_events GROUP BY customer_id ORDER BY customer_id LIMIT 4;

-- retention, activity per period, cohort retention
SELECT analytics.retention(name = 'signup', name = 'use', name = 'pay') AS retention
FROM rl_events GROUP BY customer_id ORDER BY customer_id LIMIT 2;
WITH a AS (
  SELECT customer_id, min(ts) AS first_seen,
         analytics.active_periods(ts, name = 'use', timestamptz '2024-01-01 00:00:00+00', interval '10 days', 4) AS active
  FROM rl_events GROUP BY customer_id)
SELECT (SELECT analytics.cohort_size(analytics.retention_agg(active)) FROM a) AS cohort,
       (SELECT count(*) FROM a, analytics.period_lifecycle(a.active, a.first_seen,
                                                          timestamptz '2024-01-01 00:00:00+00', interval '10 days')) AS lifecycle_rows,
       (SELECT array_agg(m.active ORDER BY m.period) FROM analytics.retention_matrix(
          (SELECT analytics.rollup(r) FROM (SELECT analytics.retention_agg(active) AS r FROM a) x)) m) AS active_per_period;

-- touchpoints: 'use' rows as sends of touch 'tips', 'pay' as the conversion
SELECT r.touch, r.sent, r.converted, r.revenue, r.median_time_to_convert IS NOT NULL AS has_median,
       (SELECT customers FROM analytics.touch_report_totals(x.rep)) AS customers,
       x.rep::text::analytics.touch_report::text = x.rep::text AS after_text_round_trip
FROM (SELECT analytics.rollup(rep) AS rep FROM (
        SELECT analytics.touch_report(o) AS rep FROM (
          SELECT analytics.touch_outcomes(ts, CASE WHEN name = 'use' THEN 'tips' END, 'sent', name = 'pay', '10 days', amount) AS o
          FROM rl_events GROUP BY customer_id) s GROUP BY o::text) y) x,
     analytics.touch_report_rows(x.rep) r;

-- outreach, with the queue in public
CREATE TABLE rl_queue (customer_id bigint, milestone text, reached_at timestamptz, sent_at timestamptz,
                       PRIMARY KEY (customer_id, milestone));
SELECT analytics.outreach_enqueue('rl_queue',
  $$SELECT customer_id, 'first_pay' AS milestone, min(ts) AS reached_at FROM rl_events WHERE name = 'pay' GROUP BY customer_id$$)
  AS queued;
SELECT count(*) AS claimed FROM analytics.outreach_claim('rl_queue', 100);

\c contrib_regression
DROP DATABASE journey_relocate;

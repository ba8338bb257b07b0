-- timeline_analysis: the per-customer analyses over stored journeys, plain
-- functions of one journey value with the steps and conditions given as
-- labels, with the row aggregates' semantics (test/timeline_analysis.sql
-- proves them equal on random data).

SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = postgres;

CREATE TABLE ta_events (customer_id int, ts timestamptz, name text, amount numeric);
INSERT INTO ta_events VALUES
  (1, '2026-01-05 10:00:00+00', 'signup',   NULL),
  (1, '2026-01-05 10:20:00+00', 'activate', NULL),
  (1, '2026-01-09 08:30:00.25+00', 'purchase', 19.90),
  (1, '2026-02-01 12:00:00+00', 'purchase', 5),
  (2, '2026-01-07 00:00:00+00', 'signup',   NULL),
  (2, '2026-01-07 00:00:00+00', 'view',     NULL),
  (2, '2026-01-07 00:00:00+00', 'activate', NULL),
  (3, '2026-03-01 09:00:00+00', 'purchase', 120),
  (4, '2026-01-10 09:00:00+00', 'signup',   NULL),
  (4, '2026-01-11 09:00:00+00', 'view',     NULL),
  (4, '2026-01-12 09:00:00+00', 'activate', NULL),
  (4, '2026-01-13 09:00:00+00', 'use',      NULL),
  (4, '2026-02-20 09:00:00+00', 'use',      NULL),
  (4, '2026-02-21 09:00:00+00', 'purchase', 30),
  (4, '2026-03-05 09:00:00+00', 'purchase', 45.50);
CREATE TABLE ta_journeys AS
SELECT customer_id, journey_agg(ts, name, amount) AS j FROM ta_events GROUP BY customer_id;

-- funnels: step k matches the events whose label is steps[k]
SELECT customer_id,
       funnel_step(j, '7 days', ARRAY['signup', 'activate', 'purchase']) AS level,
       funnel_path(j, '7 days', ARRAY['signup', 'activate', 'purchase']) AS path
FROM ta_journeys ORDER BY customer_id;
-- a mode: under strict_order an event of no step (view) ends the chain
SELECT customer_id,
       funnel_step(j, '7 days', ARRAY['signup', 'activate'], '') AS default_mode,
       funnel_step(j, '7 days', ARRAY['signup', 'activate'], 'strict_order') AS strict_order,
       funnel_step(j, '7 days', ARRAY['signup', 'activate'], 'strict_increase') AS strict_increase
FROM ta_journeys ORDER BY customer_id;
-- a label at several steps: an event meets every step of its label, so a
-- single purchase reaches level 2; under strict_once an event fills one
-- step only: a second purchase within 30 days of the first
SELECT customer_id, funnel_step(j, '30 days', ARRAY['purchase', 'purchase']) AS default_mode,
       funnel_step(j, '30 days', ARRAY['purchase', 'purchase'], 'strict_once') AS repeat_purchase
FROM ta_journeys ORDER BY customer_id;
-- the same answers as the row aggregates
SELECT customer_id,
       funnel_step(ts, '7 days', name = 'signup', name = 'activate', name = 'purchase') AS level,
       funnel_step(ts, '7 days', 'strict_order', name = 'signup', name = 'activate') AS strict_order
FROM ta_events GROUP BY customer_id ORDER BY customer_id;
-- a funnel over the stored journeys, rolled up
SELECT * FROM funnel_steps((SELECT funnel(funnel_path(j, '7 days', ARRAY['signup', 'activate', 'purchase']))
                            FROM ta_journeys));

-- time to first value: from the first start_label event, or from start_at
SELECT customer_id,
       time_to_first_value(j, 'signup', 'purchase') AS signup_to_purchase,
       time_to_first_value(j, 'activate', 'activate') AS same_label,
       time_to_first_value(j, timestamptz '2026-01-06', 'purchase') AS from_jan_6
FROM ta_journeys ORDER BY customer_id;

-- lifecycle as of an instant, the aggregates' boundaries
SELECT customer_id,
       lifecycle_stage(j, ARRAY['activate'], ARRAY['use', 'purchase'], '2026-02-15', '7 days', '30 days') AS feb_15,
       lifecycle_stage(j, ARRAY['activate'], ARRAY['use', 'purchase'], '2026-03-06', '7 days', '30 days') AS mar_6
FROM ta_journeys ORDER BY customer_id;
SELECT customer_id, (lifecycle_status(j, ARRAY['activate'], ARRAY['use', 'purchase'],
                                      '2026-03-06', '7 days', '30 days')).*
FROM ta_journeys ORDER BY customer_id;
SELECT lifecycle_stage(j, ARRAY['activate'], ARRAY['use', 'purchase'], '2026-03-06', '7 days', '30 days') AS stage,
       count(*) AS customers
FROM ta_journeys GROUP BY 1 ORDER BY 1;

-- activity per period, retention, CLV inputs
SELECT customer_id,
       active_periods(j, ARRAY['use', 'purchase'], '2026-01-05', '7 days', 9) AS weekly,
       retention(j, 'signup', 'activate', 'purchase') AS retention,
       clv_inputs(j, 'purchase', '2026-03-31', '1 day') AS clv
FROM ta_journeys ORDER BY customer_id;
-- the same rows through the row aggregates
SELECT customer_id,
       active_periods(ts, name IN ('use', 'purchase'), '2026-01-05', '7 days', 9) AS weekly,
       retention(name = 'signup', name = 'activate', name = 'purchase') AS retention,
       clv_inputs(ts, amount, '2026-03-31', '1 day') FILTER (WHERE name = 'purchase') AS clv
FROM ta_events GROUP BY customer_id ORDER BY customer_id;

-- RFM straight from the per-label readers
SELECT customer_id,
       rfm_score(last_at(j, 'purchase'), num_events(j, 'purchase'), total_amount(j, 'purchase')) OVER () AS rfm
FROM ta_journeys WHERE num_events(j, 'purchase') > 0 ORDER BY customer_id;

-- calls written with string literals resolve to one function each
SELECT funnel_step(j, '7 days', ARRAY['signup', 'activate']) AS a,
       funnel_step(j, '7 days', ARRAY['signup', 'activate'], 'strict_order') AS b,
       steps(funnel_path(j, '7 days', ARRAY['signup', 'activate'])) AS c,
       steps(funnel_path(j, '7 days', ARRAY['signup', 'activate'], 'strict_order')) AS d,
       time_to_first_value(j, 'signup', 'purchase') AS e,
       lifecycle_stage(j, ARRAY['activate'], ARRAY['use'], '2026-01-01', '7 days', '30 days') AS f,
       (lifecycle_status(j, ARRAY['activate'], ARRAY['use'], '2026-01-01', '7 days', '30 days')).stage AS g,
       active_periods(j, ARRAY['use'], '2026-01-01', '7 days', 4) AS h,
       retention(j, 'signup', 'purchase') AS i,
       clv_inputs(j, 'purchase', '2026-03-31', '1 day') AS k
FROM ta_journeys WHERE customer_id = 4;
-- an untyped literal in the second argument of time_to_first_value is a
-- label (text wins over timestamptz): write timestamptz '...' for start_at
SELECT time_to_first_value(j, '2026-01-06', 'purchase') AS label_2026_01_06,
       time_to_first_value(j, timestamptz '2026-01-06', 'purchase') AS from_start_at
FROM ta_journeys WHERE customer_id = 1;
SELECT p::regprocedure FROM (VALUES
  ('funnel_step(journey,interval,text[])'), ('funnel_step(journey,interval,text[],text)'),
  ('time_to_first_value(journey,text,text)'), ('time_to_first_value(journey,timestamptz,text)'),
  ('retention(journey,text[])'), ('retention(boolean[])')) v(p);

-- parsed labels are kept per call site: a prepared statement's parameters
-- and a label array that changes from row to row are read afresh
SET plan_cache_mode = force_generic_plan;
PREPARE ta_funnel(text[], text) AS
SELECT customer_id, funnel_step(j, '7 days', $1, $2) AS level FROM ta_journeys ORDER BY customer_id;
EXECUTE ta_funnel(ARRAY['signup', 'activate', 'purchase'], '');
EXECUTE ta_funnel(ARRAY['purchase', 'purchase'], 'strict_once');
DEALLOCATE ta_funnel;
RESET plan_cache_mode;
SELECT customer_id, s.steps, funnel_step(j, '7 days', s.steps) AS level,
       lifecycle_stage(j, s.steps, s.steps, '2026-03-06', '7 days', '30 days') AS stage
FROM ta_journeys, (VALUES (ARRAY['signup', 'activate']), (ARRAY['purchase']), (ARRAY['use', 'purchase'])) s(steps)
WHERE customer_id IN (1, 4) ORDER BY customer_id, s.steps;

-- NULLs: a NULL journey is a customer without events
SELECT funnel_step(NULL::journey, '7 days', ARRAY['signup']) AS level,
       funnel_path(NULL::journey, '7 days', ARRAY['signup', 'activate']) AS path,
       time_to_first_value(NULL::journey, 'signup', 'purchase') AS ttfv,
       lifecycle_stage(NULL::journey, ARRAY['activate'], ARRAY['use'], '2026-01-01', '7 days', '30 days') AS stage,
       lifecycle_status(NULL::journey, ARRAY['activate'], ARRAY['use'], '2026-01-01', '7 days', '30 days') AS status,
       active_periods(NULL::journey, ARRAY['use'], '2026-01-01', '7 days', 4) AS bits,
       retention(NULL::journey, 'signup', 'purchase') AS retention,
       clv_inputs(NULL::journey, 'purchase', '2026-03-31', '1 day') AS clv;
-- a NULL label matches no event; time_to_first_value is strict
SELECT time_to_first_value(j, NULL::text, 'purchase') AS null_start,
       time_to_first_value(j, NULL::timestamptz, 'purchase') AS null_start_at,
       lifecycle_stage(j, ARRAY[NULL, 'activate'], ARRAY[NULL]::text[], '2026-03-06', '7 days', '30 days') AS stage,
       retention(j, 'signup', NULL, 'purchase') AS retention,
       clv_inputs(j, NULL, '2026-03-31', '1 day') AS clv
FROM ta_journeys WHERE customer_id = 1;
-- labels absent from the journey, an infinite start_at
SELECT funnel_step(j, '7 days', ARRAY['nope', 'signup']) AS level,
       time_to_first_value(j, 'nope', 'purchase') AS ttfv,
       time_to_first_value(j, timestamptz 'infinity', 'purchase') AS infinite_start,
       retention(j, 'nope') AS retention
FROM ta_journeys WHERE customer_id = 1;

-- errors: the aggregates' errors for the same parameters
SELECT funnel_step(j, '0 days', ARRAY['signup']) FROM ta_journeys;
SELECT funnel_step(j, NULL, ARRAY['signup']) FROM ta_journeys;
SELECT funnel_step(j, '7 days', ARRAY['signup'], 'strict') FROM ta_journeys;
SELECT funnel_step(j, '7 days', ARRAY['signup'], 'allow_reentry') FROM ta_journeys;
SELECT funnel_step(j, '7 days', ARRAY['signup'], NULL) FROM ta_journeys;
SELECT funnel_path(j, '7 days', ARRAY[]::text[]) FROM ta_journeys;
SELECT funnel_step(j, '7 days', NULL) FROM ta_journeys;
SELECT funnel_step(j, '7 days', ARRAY['signup', NULL]) FROM ta_journeys;
SELECT funnel_step(j, '7 days', ARRAY[['signup'], ['activate']]) FROM ta_journeys;
SELECT funnel_step(j, '7 days', array_fill('signup'::text, ARRAY[65])) FROM ta_journeys;
SELECT lifecycle_stage(j, ARRAY['activate'], ARRAY['use'], NULL, '7 days', '30 days') FROM ta_journeys;
SELECT lifecycle_stage(j, ARRAY['activate'], ARRAY['use'], 'infinity', '7 days', '30 days') FROM ta_journeys;
SELECT lifecycle_stage(j, ARRAY['activate'], ARRAY['use'], '2026-01-01', '0 days', '30 days') FROM ta_journeys;
SELECT lifecycle_status(j, ARRAY['activate'], ARRAY['use'], '2026-01-01', '30 days', '1 month') FROM ta_journeys;
SELECT lifecycle_stage(j, NULL, ARRAY['use'], '2026-01-01', '7 days', '30 days') FROM ta_journeys;
SELECT active_periods(j, ARRAY['use'], NULL, '7 days', 4) FROM ta_journeys;
SELECT active_periods(j, ARRAY['use'], '2026-01-01', '0 days', 4) FROM ta_journeys;
SELECT active_periods(j, ARRAY['use'], '2026-01-01', '7 days', 0) FROM ta_journeys;
SELECT active_periods(j, NULL, '2026-01-01', '7 days', 4) FROM ta_journeys;
SELECT retention(j, VARIADIC ARRAY[]::text[]) FROM ta_journeys;
SELECT retention(j, VARIADIC array_fill('signup'::text, ARRAY[33])) FROM ta_journeys;
SELECT retention(j, VARIADIC NULL::text[]) FROM ta_journeys;
SELECT clv_inputs(j, 'purchase', NULL, '1 day') FROM ta_journeys;
SELECT clv_inputs(j, 'purchase', 'infinity', '1 day') FROM ta_journeys;
SELECT clv_inputs(j, 'purchase', '2026-03-31', '0 days') FROM ta_journeys;

-- "as of now": the stored journeys merged with today's rows equal the
-- journeys built from every row
CREATE TABLE ta_stored AS
SELECT customer_id, journey_agg(ts, name, amount) AS j FROM ta_events WHERE ts < '2026-02-21' GROUP BY customer_id;
WITH today AS (
  SELECT customer_id, journey_agg(ts, name, amount) AS j FROM ta_events WHERE ts >= '2026-02-21' GROUP BY customer_id
), now_j AS (
  SELECT customer_id, CASE WHEN s.j IS NULL THEN t.j WHEN t.j IS NULL THEN s.j ELSE journey_merge(s.j, t.j) END AS j
  FROM ta_stored s FULL JOIN today t USING (customer_id)
)
SELECT customer_id, lifecycle_stage(n.j, ARRAY['activate'], ARRAY['use', 'purchase'], '2026-03-06', '7 days', '30 days') AS stage,
       n.j::text = w.j::text AS equals_whole
FROM now_j n JOIN ta_journeys w USING (customer_id) ORDER BY customer_id;

-- parallel: a scan of a journeys table runs the functions in workers,
-- with the serial answers
CREATE TABLE ta_par_events AS
SELECT g % 3000 AS customer_id,
       timestamptz '2026-01-01' + ((hashint4(g) & 1048575) * 31) * interval '1 second' AS ts,
       (ARRAY['view', 'signup', 'activate', 'use', 'cart', 'purchase'])[1 + (hashint4(g * 7) & 7) % 6] AS name,
       CASE WHEN g % 4 = 0 THEN (hashint4(g) & 1023) / 100.0 END AS amount
FROM generate_series(1, 30000) g;
CREATE TABLE ta_par AS
SELECT customer_id, journey_agg(ts, name, amount) AS j FROM ta_par_events GROUP BY customer_id;
ANALYZE ta_par;
CREATE TABLE ta_par_serial AS
SELECT customer_id,
       funnel_step(j, '7 days', ARRAY['signup', 'activate', 'use', 'purchase'], 'strict_order') AS level,
       funnel_path(j, '7 days', ARRAY['signup', 'activate', 'use', 'purchase'])::text AS path,
       time_to_first_value(j, 'signup', 'purchase') AS ttfv,
       lifecycle_status(j, ARRAY['activate'], ARRAY['use', 'purchase'], '2026-06-01', '7 days', '30 days')::text AS status,
       active_periods(j, ARRAY['use'], '2026-01-01', '1 month', 12) AS bits,
       retention(j, 'signup', 'use', 'purchase') AS retention,
       clv_inputs(j, 'purchase', '2026-12-31', '1 day')::text AS clv
FROM ta_par;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
\i test/force_parallel_on.psql
EXPLAIN (COSTS OFF)
SELECT lifecycle_stage(j, ARRAY['activate'], ARRAY['use', 'purchase'], '2026-06-01', '7 days', '30 days') AS stage,
       count(*) FROM ta_par GROUP BY 1;
EXPLAIN (COSTS OFF) SELECT sum(funnel_step(j, '7 days', ARRAY['signup', 'activate', 'use', 'purchase'])) FROM ta_par;
CREATE TEMP TABLE ta_par_parallel AS
SELECT customer_id,
       funnel_step(j, '7 days', ARRAY['signup', 'activate', 'use', 'purchase'], 'strict_order') AS level,
       funnel_path(j, '7 days', ARRAY['signup', 'activate', 'use', 'purchase'])::text AS path,
       time_to_first_value(j, 'signup', 'purchase') AS ttfv,
       lifecycle_status(j, ARRAY['activate'], ARRAY['use', 'purchase'], '2026-06-01', '7 days', '30 days')::text AS status,
       active_periods(j, ARRAY['use'], '2026-01-01', '1 month', 12) AS bits,
       retention(j, 'signup', 'use', 'purchase') AS retention,
       clv_inputs(j, 'purchase', '2026-12-31', '1 day')::text AS clv
FROM ta_par;
SELECT (SELECT count(*) FROM ta_par_parallel) AS customers,
       (SELECT count(*) FROM ((TABLE ta_par_parallel) EXCEPT (TABLE ta_par_serial)) d) AS differing;
SELECT lifecycle_stage(j, ARRAY['activate'], ARRAY['use', 'purchase'], '2026-06-01', '7 days', '30 days') AS stage,
       count(*) FROM ta_par GROUP BY 1 ORDER BY 1;
SELECT funnel_step(j, '7 days', ARRAY['signup', 'activate', 'use', 'purchase']) AS level, count(*)
FROM ta_par GROUP BY 1 ORDER BY 1;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
\i test/force_parallel_off.psql

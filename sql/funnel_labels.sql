-- The label form of funnel_step and funnel_path: step k is a row whose
-- label is steps[k], compared in C.  The same answers as the boolean form
-- with step k = (label = steps[k]) (test/funnel_property.sql proves it on
-- random sets under every option combination); here: examples, NULLs,
-- errors, how literal calls resolve, parallel plans.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';

CREATE TABLE flev (customer_id int, ts timestamptz, name text);
INSERT INTO flev VALUES
  (1, '2026-01-05 09:00', 'signup'), (1, '2026-01-05 09:20', 'activate'), (1, '2026-01-06 14:00', 'first_report'), (1, '2026-01-09 10:00', 'purchase'),
  (2, '2026-01-05 10:00', 'signup'), (2, '2026-01-05 10:05', 'first_report'), (2, '2026-01-07 08:00', 'activate'),
  (3, '2026-01-05 11:00', 'signup'), (3, '2026-01-05 11:30', 'activate'), (3, '2026-01-05 12:00', 'use'), (3, '2026-01-14 11:00', 'first_report'),
  (4, NULL, 'signup'), (4, '2026-01-05 12:00', NULL), (4, '2026-01-05 12:10', 'activate'), (4, 'infinity', 'signup'),
  (5, '2026-01-05 13:00', 'signup:pro'), (5, '2026-01-05 13:01', 'signup'), (5, '2026-01-05 13:01', 'activate');

-- label form and boolean form side by side, default and strict_order
SELECT customer_id,
       funnel_step(ts, '7 days', name, ARRAY['signup', 'activate', 'first_report', 'purchase']) AS level,
       funnel_step(ts, '7 days', name = 'signup', name = 'activate', name = 'first_report', name = 'purchase') AS bool_level,
       funnel_step(ts, '7 days', name, ARRAY['signup', 'activate', 'first_report', 'purchase'], 'strict_order') AS strict_order,
       funnel_step(ts, '7 days', 'strict_order', name = 'signup', name = 'activate', name = 'first_report', name = 'purchase') AS bool_strict_order
FROM flev GROUP BY customer_id ORDER BY customer_id;

-- funnel_path, timestamptz and timestamp
SELECT customer_id,
       funnel_path(ts, '7 days', name, ARRAY['signup', 'activate', 'first_report']) AS path,
       funnel_path(ts::timestamp, '7 days', name, ARRAY['signup', 'activate', 'first_report'], 'strict_increase')::text
         = funnel_path(ts, '7 days', 'strict_increase', name = 'signup', name = 'activate', name = 'first_report')::text AS ts_same
FROM flev GROUP BY customer_id ORDER BY customer_id;

-- a label named by several steps: a row with it satisfies each of them
SELECT funnel_step(ts, '1 day', name, ARRAY['signup', 'signup']) AS twice,
       funnel_step(ts, '1 day', name = 'signup', name = 'signup') AS bool_twice,
       funnel_step(ts, '1 day', name, ARRAY['signup', 'signup'], 'strict_once') AS twice_once,
       funnel_step(ts, '1 day', 'strict_once', name = 'signup', name = 'signup') AS bool_twice_once
FROM flev WHERE customer_id = 1;

-- no rows: 0 and NULL; only ignored rows: 0 and an empty path
SELECT funnel_step(ts, '1 hour', name, ARRAY['a']) AS no_rows,
       funnel_path(ts, '1 hour', name, ARRAY['a']) IS NULL AS no_rows_path
FROM flev WHERE false;
SELECT funnel_step(ts, '1 hour', name, ARRAY['signup', 'activate']) AS ignored,
       funnel_path(ts, '1 hour', name, ARRAY['signup', 'activate']) AS ignored_path
FROM flev WHERE customer_id = 4 AND (ts IS NULL OR name IS NULL OR ts = 'infinity');

-- the steps may come from a column: the same within each group
SELECT f.customer_id, f.steps, funnel_step(e.ts, '7 days', e.name, f.steps) AS level
FROM flev e JOIN (VALUES (1, ARRAY['signup', 'purchase']), (2, ARRAY['first_report', 'activate']), (3, ARRAY['use'])) f(customer_id, steps)
  USING (customer_id)
GROUP BY f.customer_id, f.steps ORDER BY 1;

-- many distinct labels (looked up by hash): 20 steps, each its own label
SELECT funnel_step(ts, '1 day', 'l' || (i % 25), (SELECT array_agg('l' || s ORDER BY s) FROM generate_series(1, 20) s)) AS level20,
       funnel_step(ts, '1 day', VARIADIC (SELECT array_agg(('l' || (i % 25)) = ('l' || s) ORDER BY s) FROM generate_series(1, 20) s)) AS bool_level20
FROM (SELECT i, timestamptz '2026-01-01' + i * interval '1 minute' AS ts FROM generate_series(1, 200) i) g;

-- like the boolean form, not a window function (its final function is
-- declared to modify the state): aggregate per customer instead
SELECT ts, name, funnel_step(ts, '7 days', name, ARRAY['signup', 'activate', 'first_report']) OVER (ORDER BY ts) AS so_far
FROM flev WHERE customer_id = 2 ORDER BY ts;

-- errors
SELECT funnel_step(ts, '7 days', name, NULL::text[]) FROM flev;
SELECT funnel_step(ts, '7 days', name, ARRAY['signup', NULL]) FROM flev;
SELECT funnel_step(ts, '7 days', name, ARRAY[]::text[]) FROM flev;
SELECT funnel_step(ts, '7 days', name, '{{a,b},{c,d}}'::text[]) FROM flev;
SELECT funnel_step(ts, '7 days', name, (SELECT array_agg('s' || s) FROM generate_series(1, 65) s)) FROM flev;
SELECT funnel_step(ts, '0', name, ARRAY['signup']) FROM flev;
SELECT funnel_step(ts, NULL, name, ARRAY['signup']) FROM flev;
SELECT funnel_step(ts, '7 days', name, ARRAY['signup'], NULL) FROM flev;
SELECT funnel_step(ts, '7 days', name, ARRAY['signup'], 'strict') FROM flev;
SELECT funnel_step(ts, '7 days', name, CASE WHEN customer_id = 1 THEN ARRAY['signup'] ELSE ARRAY['activate'] END) FROM flev;
SELECT funnel_step(ts, '7 days', name, ARRAY['signup'], CASE WHEN customer_id = 1 THEN 'strict_order' ELSE '' END) FROM flev;
SELECT funnel_step(ts, '7 days', name, ARRAY['signup'], CASE WHEN customer_id = 1 THEN 'strict_order' ELSE ' strict_order ' END) AS same_mode_spelled_apart
FROM flev;

-- How literal calls resolve: every existing form still resolves as it did;
-- the label form needs a typed steps array (ARRAY[...] or '{...}'::text[]).
SELECT funnel_step(ts, '7 days', name = 'signup', name = 'activate') AS conditions,
       funnel_step(ts, '7 days', 'strict_order', name = 'signup', name = 'activate') AS mode_conditions,
       funnel_step(ts, '7 days', VARIADIC ARRAY[name = 'signup', name = 'activate']) AS variadic,
       funnel_step(ts, '7 days', 'strict_order', VARIADIC ARRAY[name = 'signup', name = 'activate']) AS mode_variadic,
       funnel_step(ts, '7 days', name, ARRAY['signup', 'activate']) AS labels,
       funnel_step(ts, '7 days', name, '{signup,activate}'::text[], 'strict_order') AS labels_mode,
       funnel_step(ts::timestamp, '7 days', name, ARRAY['signup', 'activate']) AS labels_timestamp
FROM flev WHERE customer_id = 1;
SELECT steps(funnel_path(ts, '7 days', name, ARRAY['signup', 'activate'])) AS path_labels,
       steps(funnel_path(ts, '7 days', 'strict_order', name = 'signup', name = 'activate')) AS path_mode_conditions
FROM flev WHERE customer_id = 1;
-- not unique: an untyped steps literal could also be a boolean condition
SELECT funnel_step(ts, '7 days', name, '{signup,activate}') FROM flev;
SELECT funnel_step(ts, '7 days', name, '{signup,activate}', 'strict_order') FROM flev;
-- and since the label form exists, so is a condition given as an untyped
-- literal after an untyped mode (0.1.0 took it as mode + conditions);
-- typed, it resolves as before
SELECT funnel_step(ts, '7 days', 'strict_order', 'true', 'false') FROM flev;
SELECT funnel_step(ts, '7 days', 'strict_order', true, false) AS typed_literals FROM flev;

-- parallel: partial states cross processes (serialize/deserialize), the
-- same levels and paths as serial
CREATE TABLE flev_par AS
SELECT c AS customer_id,
       timestamptz '2026-01-01' + ((hashint4(c * 10 + e) & 1048575) % 600000) * interval '1 second' AS ts,
       (ARRAY['signup', 'activate', 'report', 'purchase', 'other'])[1 + ((hashint4(c * 31 + e) & 65535) % 5)] AS name
FROM generate_series(1, 3000) c, generate_series(1, 8) e;
ANALYZE flev_par;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE flev_serial AS
SELECT customer_id,
       funnel_step(ts, '3 days', name, ARRAY['signup', 'activate', 'report', 'purchase']) AS lvl,
       funnel_step(ts, '3 days', name, ARRAY['signup', 'activate', 'report', 'purchase'], 'strict_order,strict_once') AS lvl_strict,
       funnel_path(ts, '3 days', name, ARRAY['signup', 'activate', 'report', 'purchase'])::text AS p
FROM flev_par GROUP BY customer_id;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET enable_hashagg = off;
\i test/force_parallel_on.psql
EXPLAIN (COSTS OFF)
SELECT customer_id, funnel_step(ts, '3 days', name, ARRAY['signup', 'activate', 'report', 'purchase'])
FROM flev_par GROUP BY customer_id;
SELECT count(*) AS differing FROM (
  SELECT customer_id,
         funnel_step(ts, '3 days', name, ARRAY['signup', 'activate', 'report', 'purchase']) AS lvl,
         funnel_step(ts, '3 days', name, ARRAY['signup', 'activate', 'report', 'purchase'], 'strict_order,strict_once') AS lvl_strict,
         funnel_path(ts, '3 days', name, ARRAY['signup', 'activate', 'report', 'purchase'])::text AS p
  FROM flev_par GROUP BY customer_id
  EXCEPT SELECT * FROM flev_serial) d;
-- one group over all rows: the workers' partial states are combined
EXPLAIN (COSTS OFF)
SELECT funnel_path(ts, '3 days', name, ARRAY['signup', 'activate', 'report', 'purchase']) FROM flev_par WHERE customer_id <= 3;
SELECT funnel_path(ts, '3 days', name, ARRAY['signup', 'activate', 'report', 'purchase'])::text
       = funnel_path(ts, '3 days', name = 'signup', name = 'activate', name = 'report', name = 'purchase')::text AS combined_same
FROM flev_par WHERE customer_id <= 3;
RESET enable_hashagg;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
\i test/force_parallel_off.psql
SELECT lvl, count(*) FROM flev_serial GROUP BY lvl ORDER BY lvl;

DROP TABLE flev, flev_par;

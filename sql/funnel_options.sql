-- journey's own funnel options (0.2.0): exclusions, any-order steps,
-- per-step windows, open windows counted as in progress, step labels and
-- seconds in funnel_steps.  The corner cases, by hand.
SET timezone = 'UTC';
SET intervalstyle = 'postgres';
CREATE TEMP TABLE fo (c int, ts timestamptz, e text);
INSERT INTO fo VALUES
  -- 1: refund strictly between activate and purchase
  (1, '2026-01-05 10:00', 'signup'), (1, '2026-01-05 11:00', 'activate'),
  (1, '2026-01-05 12:00', 'refund'), (1, '2026-01-05 13:00', 'purchase'),
  -- 2: refund after the purchase: not between
  (2, '2026-01-05 10:00', 'signup'), (2, '2026-01-05 11:00', 'activate'),
  (2, '2026-01-05 13:00', 'purchase'), (2, '2026-01-05 14:00', 'refund'),
  -- 3: refund at the same time as activate: not between (equal timestamps)
  (3, '2026-01-05 10:00', 'signup'), (3, '2026-01-05 11:00', 'activate'),
  (3, '2026-01-05 11:00', 'refund'), (3, '2026-01-05 13:00', 'purchase'),
  -- 4: refund after activate, never a purchase: nothing was cut short
  (4, '2026-01-05 10:00', 'signup'), (4, '2026-01-05 11:00', 'activate'),
  (4, '2026-01-05 12:00', 'refund'),
  -- 5: a refund outside the window (the purchase is too late anyway)
  (5, '2026-01-05 10:00', 'signup'), (5, '2026-01-05 11:00', 'activate'),
  (5, '2026-01-07 12:00', 'refund'), (5, '2026-01-07 13:00', 'purchase'),
  -- 6: an excluded first attempt, then a clean second one
  (6, '2026-01-05 10:00', 'signup'), (6, '2026-01-05 11:00', 'activate'),
  (6, '2026-01-05 12:00', 'refund'), (6, '2026-01-05 13:00', 'purchase'),
  (6, '2026-01-09 10:00', 'signup'), (6, '2026-01-09 11:00', 'activate'),
  (6, '2026-01-09 13:00', 'purchase'),
  -- 7: refund at the same time as the purchase: not between
  (7, '2026-01-05 10:00', 'signup'), (7, '2026-01-05 11:00', 'activate'),
  (7, '2026-01-05 13:00', 'refund'), (7, '2026-01-05 13:00', 'purchase');

-- exclusion=drop (the default): funnel_step is NULL for a customer whose
-- progress an exclusion cut short; truncate counts up to the step before it
SELECT c,
       funnel_step(ts, '1 day', 'exclude=2-3', e = 'signup', e = 'activate', e = 'purchase', e = 'refund') AS dropped,
       funnel_step(ts, '1 day', 'exclude=2-3,exclusion=truncate',
                   e = 'signup', e = 'activate', e = 'purchase', e = 'refund') AS truncated,
       funnel_step(ts, '1 day', e, '{signup,activate,purchase}'::text[], 'exclude=2-3:refund') AS over_labels,
       funnel_step(journey_agg(ts, e), '1 day', '{signup,activate,purchase}', 'exclude=2-3:refund,exclusion=truncate') AS over_journey,
       funnel_step(ts, '1 day', e = 'signup', e = 'activate', e = 'purchase') AS without
FROM fo GROUP BY c ORDER BY c;

-- the path of a truncated chain, and NULL for a dropped customer
SELECT c, funnel_path(ts, '1 day', e, '{signup,activate,purchase}'::text[], 'exclude=2-3:refund,exclusion=truncate') AS truncated,
       funnel_path(ts, '1 day', e, '{signup,activate,purchase}'::text[], 'exclude=2-3:refund') IS NULL AS dropped
FROM fo WHERE c IN (1, 6) GROUP BY c ORDER BY c;

-- a dropped customer is not counted at any step
SELECT step, customers, dropped
FROM funnel_steps((SELECT funnel(p) FROM (
        SELECT funnel_path(ts, '1 day', e, '{signup,activate,purchase}'::text[], 'exclude=2-3:refund') AS p
        FROM fo GROUP BY c) q));

-- an exclusion over a longer range; two exclusions with their own ranges
SELECT c,
       funnel_step(ts, '1 day', e, '{signup,activate,purchase}'::text[], 'exclude=1-3:refund,exclusion=truncate') AS one_to_three,
       funnel_step(ts, '1 day', e, '{signup,activate,purchase}'::text[], 'exclude=1-2:refund,exclude=2-3:chargeback') AS two
FROM fo GROUP BY c ORDER BY c;

-- any_order: distinct steps done within the window from the first of them
CREATE TEMP TABLE checklist (c int, ts timestamptz, e text);
INSERT INTO checklist VALUES
  (1, '2026-01-05 10:00', 'invite'), (1, '2026-01-05 10:05', 'profile'), (1, '2026-01-05 10:05', 'profile'),
  (1, '2026-01-05 11:00', 'invite'), (1, '2026-01-06 09:00', 'integrate'),
  (2, '2026-01-05 10:00', 'integrate'), (2, '2026-01-05 10:00', 'integrate'), (2, '2026-01-09 10:00', 'profile'),
  (3, '2026-01-05 10:00', 'profile'), (3, '2026-01-06 10:00', 'invite'), (3, '2026-01-06 10:00', 'integrate');
SELECT c, funnel_step(ts, '1 day', 'any_order', e = 'profile', e = 'invite', e = 'integrate') AS done,
       funnel_path(ts, '1 day', e, '{profile,invite,integrate}'::text[], 'any_order') AS path
FROM checklist GROUP BY c ORDER BY c;

-- step windows: step k+1 at most windows[k] after step k (bounds included),
-- with the whole-chain window still in force; NULL: no step window there
CREATE TEMP TABLE sw (c int, ts timestamptz, e text);
INSERT INTO sw VALUES
  (1, '2026-01-05 10:00', 'a'), (1, '2026-01-05 11:00', 'b'), (1, '2026-01-05 13:00', 'c'),
  (2, '2026-01-05 10:00', 'a'), (2, '2026-01-05 11:00:00.000001', 'b'), (2, '2026-01-05 12:00', 'c'),
  (3, '2026-01-05 10:00', 'a'), (3, '2026-01-05 10:30', 'a'), (3, '2026-01-05 11:20', 'b'), (3, '2026-01-05 13:20', 'c');
SELECT c, funnel_step(ts, '1 day', 'step_windows={1 hour,2 hours}', e = 'a', e = 'b', e = 'c') AS per_step,
       funnel_step(ts, '3 hours', 'step_windows={1 hour,NULL}', e = 'a', e = 'b', e = 'c') AS first_only,
       funnel_path(ts, '1 day', e, '{a,b,c}'::text[], 'step_windows={1 hour,2 hours}') AS path
FROM sw GROUP BY c ORDER BY c;

-- open windows: funnel(path, as_of) counts a customer whose chain stopped
-- before the last step while its window is open at as_of as in progress;
-- conversion from the previous step is over the customers whose window has
-- closed.  A window [step 1, step 1 + window] is closed at as_of = its end.
CREATE TEMP TABLE op (c int, ts timestamptz, e text);
INSERT INTO op VALUES
  (1, '2026-01-05 10:00', 'signup'), (1, '2026-01-06 10:00', 'activate'), (1, '2026-01-07 10:00', 'purchase'),
  (2, '2026-01-05 10:00', 'signup'), (2, '2026-01-06 10:00', 'activate'),
  (3, '2026-01-05 10:00', 'signup'),
  (4, '2026-01-10 10:00', 'signup'),
  (5, '2026-01-11 10:00', 'signup'), (5, '2026-01-11 12:00', 'activate'),
  (6, '2026-01-12 10:00', 'visit');
CREATE TEMP TABLE op_paths AS
SELECT c, funnel_path(ts, '7 days', e = 'signup', e = 'activate', e = 'purchase') AS p FROM op GROUP BY c;
-- as_of exactly at the end of customer 4's window (Jan 17 10:00): closed
SELECT * FROM funnel_steps((SELECT funnel(p, '2026-01-17 10:00') FROM op_paths),
                           '{signup,activate,purchase}');
SELECT step, label, customers, in_progress, conversion_from_previous, dropped
FROM funnel_steps((SELECT funnel(p, '2026-01-17 09:59:59.999999') FROM op_paths),
                  '{signup,activate,purchase}');
-- with step windows (carried by the path): customer 3 signed up on Jan 5
-- 10:00 and had 1 day to activate, so it is no longer in progress on Jan 7
SELECT step, customers, in_progress, conversion_from_previous
FROM funnel_steps((SELECT funnel(p, '2026-01-07 00:00') FROM (
        SELECT funnel_path(ts, '7 days', e, '{signup,activate,purchase}'::text[], 'step_windows={1 day,NULL}') AS p
        FROM op GROUP BY c) q));
SELECT funnel_path(ts, '7 days', e, '{signup,activate,purchase}'::text[], 'step_windows={1 day,NULL}') AS p
FROM op WHERE c = 3 \gset
SELECT :'p'::funnel_path::text = :'p' AS text_round_trip, :'p';
\set VERBOSITY terse
SELECT '1/3 [2026-01-05 10:00:00+00] window=7 days mode=step_windows'::funnel_path;
SELECT '1/3 [2026-01-05 10:00:00+00] window=7 days mode=default step_windows={1 day,NULL}'::funnel_path;
SELECT '1/3 [2026-01-05 10:00:00+00] window=7 days mode=step_windows step_windows={1 day}'::funnel_path;
SELECT '1/3 [2026-01-05 10:00:00+00] window=7 days mode=step_windows step_windows={-1 day,NULL}'::funnel_path;
\set VERBOSITY default
-- without as_of nothing changes
SELECT step, customers, in_progress, conversion_from_previous, dropped
FROM funnel_steps((SELECT funnel(p) FROM op_paths));
-- the text form says v3 and round-trips; a v2 text still reads
SELECT funnel(p, '2026-01-12 00:00') AS f FROM op_paths \gset
SELECT :'f'::funnel::text = :'f' AS text_round_trip, :'f' LIKE 'v3 %' AS v3;
SELECT 'v2 steps=2 customers=3 reached=2,1 timed=false'::funnel;

-- rollup of parts counted as of the same time; other times are an error
SELECT step, customers, in_progress FROM funnel_steps((
  SELECT rollup(f) FROM (SELECT funnel(p, '2026-01-12 00:00') AS f FROM op_paths GROUP BY c % 2) q));
\set VERBOSITY terse
SELECT rollup(f) FROM (SELECT funnel(p, '2026-01-12 00:00') AS f FROM op_paths WHERE c = 1
                       UNION ALL SELECT funnel(p, '2026-01-13 00:00') FROM op_paths WHERE c = 2) q;
SELECT rollup(f) FROM (SELECT funnel(p, '2026-01-12 00:00') AS f FROM op_paths WHERE c = 1
                       UNION ALL SELECT funnel(p) FROM op_paths WHERE c = 2) q;
SELECT funnel(p, NULL) FROM op_paths;
SELECT funnel(p, 'infinity') FROM op_paths;
SELECT funnel(p, '2026-01-12'::timestamptz + c * interval '1 hour') FROM op_paths;
SELECT funnel('2/3 [2026-01-05 10:00:00+00, 2026-01-06 10:00:00+00]'::funnel_path, '2026-01-12');
SELECT * FROM funnel_steps((SELECT funnel(p) FROM op_paths), '{a,b}');

-- bad options
SELECT funnel_step(ts, '1 day', 'exclude=2-3', e = 'signup', e = 'activate', e = 'purchase') FROM fo;
SELECT funnel_step(ts, '1 day', 'exclude=3-2', e = 'signup', e = 'activate', e = 'purchase', e = 'x') FROM fo;
SELECT funnel_step(ts, '1 day', 'exclude=2', e = 'signup', e = 'activate', e = 'purchase', e = 'x') FROM fo;
SELECT funnel_step(ts, '1 day', 'exclude=1-2:refund', e = 'signup', e = 'activate', e = 'x') FROM fo;
SELECT funnel_step(ts, '1 day', e, '{signup,activate}'::text[], 'exclude=1-2') FROM fo;
SELECT funnel_step(ts, '1 day', 'exclusion=truncate', e = 'signup', e = 'activate') FROM fo;
SELECT funnel_step(ts, '1 day', 'exclude=1-2,exclusion=keep', e = 'signup', e = 'activate', e = 'x') FROM fo;
SELECT funnel_step(ts, '1 day', 'strict_order,exclude=1-2', e = 'signup', e = 'activate', e = 'x') FROM fo;
SELECT funnel_step(ts, '1 day', 'any_order,step_windows={1 hour}', e = 'signup', e = 'activate') FROM fo;
SELECT funnel_step(ts, '1 day', 'step_windows={1 hour}', e = 'signup', e = 'activate', e = 'purchase') FROM fo;
SELECT funnel_step(ts, '1 day', 'step_windows={0 hours}', e = 'signup', e = 'activate') FROM fo;
SELECT funnel_step(ts, '1 day', 'step_windows=1 hour', e = 'signup', e = 'activate') FROM fo;
SELECT funnel_step(ts, '1 day', 'step_windows={soon}', e = 'signup', e = 'activate') FROM fo;
SELECT funnel_step(ts, '1 day', 'windows={1 hour}', e = 'signup', e = 'activate') FROM fo;
SELECT funnel_step(journey_agg(ts, e), '1 day', '{signup,activate}', 'exclude=1-2') FROM fo;
SELECT funnel_step(journey_agg(ts, e), '1 day', '{signup,activate}', 'exclude=1-3:refund') FROM fo;
\set VERBOSITY default

-- hostile funnel values with as_of
-- (:'f' has in_progress=2,2,0: at most who stopped at each step, never the last)
SELECT :'f';
SELECT regexp_replace(:'f', 'in_progress=2,2,0', 'in_progress=3,2,0')::funnel;
SELECT regexp_replace(:'f', 'in_progress=2,2,0', 'in_progress=2,2,1')::funnel;
SELECT regexp_replace(:'f', 'in_progress=2,2,0', 'in_progress=-1,2,0')::funnel;
SELECT regexp_replace(:'f', 'in_progress=2,2,0', 'in_progress=2,2')::funnel;
SELECT 'v3 steps=2 customers=3 reached=2,1 timed=false as_of=2026-01-12 00:00:00+00 in_progress=0,0'::funnel;
SELECT 'v3 steps=2 customers=3 reached=2,1 timed=true window=1 day mode=default as_of=infinity in_progress=0,0'::funnel;
SELECT 'v3 steps=2 customers=3 reached=2,1 timed=true window=1 day mode=default'::funnel;
SELECT 'v2 steps=2 customers=3 reached=0,0 timed=true window=1 day mode=exclusions'::funnel;
SELECT 'v2 steps=2 customers=3 reached=0,0 timed=true window=1 day mode=any_order,exclusions'::funnel;

-- parallel: funnel(path, as_of) splits into partial aggregates (regular table)
CREATE TABLE fo_events AS
SELECT g % 2000 AS c, timestamptz '2026-01-05' + (hashint4(g) % 1000) * interval '1 hour' AS ts,
       (ARRAY['signup','activate','purchase'])[1 + abs(hashint4(g * 7)) % 3] AS e
FROM generate_series(1, 10000) g;
ANALYZE fo_events;
CREATE TABLE fo_p AS
SELECT c, funnel_path(ts, '7 days', e, '{signup,activate,purchase}'::text[]) AS p FROM fo_events GROUP BY c;
ANALYZE fo_p;
SELECT step, customers, in_progress, round(conversion_from_previous::numeric, 4) AS conv, dropped
FROM funnel_steps((SELECT funnel(p, '2026-02-01') FROM fo_p));
\i test/force_parallel_on.psql
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT funnel(p, '2026-02-01') FROM fo_p;
SELECT step, customers, in_progress, round(conversion_from_previous::numeric, 4) AS conv, dropped
FROM funnel_steps((SELECT funnel(p, '2026-02-01') FROM fo_p));
-- per-customer states with exclusions cross workers (serialize carries the mode)
SET enable_hashagg = off;
EXPLAIN (COSTS OFF)
SELECT c % 10, funnel_path(ts, '7 days', e, '{signup,purchase,activate}'::text[], 'exclude=1-2:activate,exclusion=truncate')
FROM fo_events GROUP BY c % 10;
SELECT c % 10 AS g, funnel_path(ts, '7 days', e, '{signup,purchase,activate}'::text[], 'exclude=1-2:activate,exclusion=truncate')
FROM fo_events GROUP BY c % 10 ORDER BY 1 LIMIT 3;
SELECT sum(l), count(l) FROM (
  SELECT funnel_step(ts, '7 days', e, '{signup,purchase,activate}'::text[], 'exclude=1-2:activate') AS l
  FROM fo_events GROUP BY c) q;
\i test/force_parallel_off.psql
RESET enable_hashagg;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
SELECT c % 10 AS g, funnel_path(ts, '7 days', e, '{signup,purchase,activate}'::text[], 'exclude=1-2:activate,exclusion=truncate')
FROM fo_events GROUP BY c % 10 ORDER BY 1 LIMIT 3;
SELECT sum(l), count(l) FROM (
  SELECT funnel_step(ts, '7 days', e, '{signup,purchase,activate}'::text[], 'exclude=1-2:activate') AS l
  FROM fo_events GROUP BY c) q;
DROP TABLE fo_events, fo_p;

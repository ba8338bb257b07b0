-- lifecycle_stage(ts, is_activation, is_use, as_of, dormant_after, churned_after)
-- and lifecycle_status(...): where each customer stands as of an instant.
-- Every case below is evaluated as of 2026-03-01 00:00 UTC with
-- dormant_after = 7 days and churned_after = 30 days, so:
--   active window   (2026-02-22 00:00, 2026-03-01 00:00]
--   dormant         last use in (2026-01-30 00:00, 2026-02-22 00:00]
--   churned         last use at or before 2026-01-30 00:00
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = postgres;

CREATE TABLE lc_cases (customer int, ts timestamptz, is_act boolean, is_use boolean);
INSERT INTO lc_cases VALUES
  -- 1 prospect: signed up, never activated
  (1, '2026-02-01', false, false),
  -- 2 prospect: the activation is after as_of, so it does not count yet
  (2, '2026-03-01 00:00:00.000001', true, false),
  -- 3 activated_unused: activated, never used
  (3, '2026-02-01', true, false),
  -- 4 activated_unused: the only use came before the activation
  (4, '2026-01-20', false, true), (4, '2026-02-01', true, false),
  -- 5 active: activation and use at the same instant (two rows)
  (5, '2026-02-25', true, false), (5, '2026-02-25', false, true),
  -- 6 active: one row that is both activation and use, exactly at as_of
  (6, '2026-03-01', true, true),
  -- 7 dormant: last use exactly dormant_after (7 days) ago
  (7, '2026-02-01', true, false), (7, '2026-02-22', false, true),
  -- 8 active: last use one microsecond less than 7 days ago
  (8, '2026-02-01', true, false), (8, '2026-02-22 00:00:00.000001', false, true),
  -- 9 churned: last use exactly churned_after (30 days) ago
  (9, '2026-01-01', true, false), (9, '2026-01-30', false, true),
  -- 10 dormant: last use one microsecond less than 30 days ago
  (10, '2026-01-01', true, false), (10, '2026-01-30 00:00:00.000001', false, true),
  -- 11 resurrected: used, 46 days of silence, used again this week
  (11, '2026-01-01', true, false), (11, '2026-01-10', false, true), (11, '2026-02-25', false, true),
  -- 12 active: a gap of exactly 7 days is not longer than dormant_after
  (12, '2026-01-01', true, false), (12, '2026-02-18', false, true), (12, '2026-02-25', false, true),
  -- 13 resurrected: a gap of 7 days and one microsecond is
  (13, '2026-01-01', true, false), (13, '2026-02-17 23:59:59.999999', false, true), (13, '2026-02-25', false, true),
  -- 14 dormant: the use after as_of is ignored
  (14, '2026-01-01', true, false), (14, '2026-02-10', false, true), (14, '2026-03-05', false, true),
  -- 15 active, no longer resurrected: the return (02-20) left the window, 02-26 follows it closely
  (15, '2026-01-01', true, false), (15, '2026-01-10', false, true), (15, '2026-02-20', false, true),
  (15, '2026-02-26', false, true),
  -- 16 active, not resurrected: the earlier use before a long gap was before the activation
  (16, '2026-01-05', false, true), (16, '2026-02-20', true, false), (16, '2026-02-24', false, true),
  -- 17 prospect: NULL and infinite timestamps, NULL conditions count for nothing
  (17, NULL, true, true), (17, 'infinity', true, true), (17, '-infinity', true, true),
  (17, '2026-02-01', NULL, NULL),
  -- 18 churned: activated and used long ago; earliest activation counts
  (18, '2025-06-01', true, false), (18, '2025-07-01', true, false), (18, '2025-06-15', false, true);

SELECT customer,
       lifecycle_stage(ts, is_act, is_use, '2026-03-01', '7 days', '30 days') AS stage,
       (lifecycle_status(ts, is_act, is_use, '2026-03-01', '7 days', '30 days')).*
FROM lc_cases GROUP BY customer ORDER BY customer;

-- The enum orders stages along the lifecycle; count per stage as a chart would.
SELECT stage, count(*)
FROM (SELECT lifecycle_stage(ts, is_act, is_use, '2026-03-01', '7 days', '30 days') AS stage
      FROM lc_cases GROUP BY customer) s
GROUP BY stage ORDER BY stage;

-- The order rows arrive in does not matter.
SELECT count(*) AS customers_with_order_dependent_stage
FROM (SELECT customer,
             lifecycle_stage(ts, is_act, is_use, '2026-03-01', '7 days', '30 days' ORDER BY ts) AS a,
             lifecycle_stage(ts, is_act, is_use, '2026-03-01', '7 days', '30 days' ORDER BY ts DESC) AS b
      FROM lc_cases GROUP BY customer) s
WHERE a IS DISTINCT FROM b;

-- No rows: NULL, as for any aggregate.
SELECT lifecycle_stage(ts, is_act, is_use, '2026-03-01', '7 days', '30 days') FROM lc_cases WHERE false;

-- Invalid windows and parameters are errors.
SELECT lifecycle_stage(ts, is_act, is_use, '2026-03-01', '30 days', '7 days') FROM lc_cases;
SELECT lifecycle_stage(ts, is_act, is_use, '2026-03-01', '7 days', '7 days') FROM lc_cases;
SELECT lifecycle_stage(ts, is_act, is_use, '2026-03-01', '1 month', '30 days') FROM lc_cases;
SELECT lifecycle_stage(ts, is_act, is_use, '2026-03-01', '-1 day', '30 days') FROM lc_cases;
SELECT lifecycle_stage(ts, is_act, is_use, '2026-03-01', '0', '30 days') FROM lc_cases;
SELECT lifecycle_stage(ts, is_act, is_use, NULL, '7 days', '30 days') FROM lc_cases;
SELECT lifecycle_stage(ts, is_act, is_use, '2026-03-01', NULL, '30 days') FROM lc_cases;
SELECT lifecycle_stage(ts, is_act, is_use, 'infinity', '7 days', '30 days') FROM lc_cases;
-- ... and so are parameters that change within a group
SELECT lifecycle_stage(ts, is_act, is_use, ts, '7 days', '30 days') FROM lc_cases WHERE customer = 11;
SELECT lifecycle_stage(ts, is_act, is_use, '2026-03-01', CASE WHEN is_act THEN interval '7 days' ELSE '8 days' END,
                       '30 days') FROM lc_cases WHERE customer = 11;

-- Forced parallel plans give the same answer as serial ones (partial
-- states are serialized, shipped and combined).  100,000 events of 5,000
-- customers, deterministic.
CREATE TABLE lc_events AS
SELECT c AS customer,
       timestamptz '2025-10-01' + ((c * 7919 + i * 104729) % ((c % 130 + 1) * 24)) * interval '1 hour'
         + CASE WHEN i = 20 AND c % 4 = 0 THEN interval '110 days' ELSE interval '0' END AS ts,
       i = (c % 7) AS is_act,
       (c * i) % 3 <> 0 AS is_use
FROM generate_series(1, 5000) c, generate_series(1, 20) i;
ANALYZE lc_events;

CREATE TEMP TABLE lc_serial AS
SELECT customer, lifecycle_stage(ts, is_act, is_use, '2026-02-01', '14 days', '45 days') AS stage,
       lifecycle_status(ts, is_act, is_use, '2026-02-01', '14 days', '45 days') AS status
FROM lc_events GROUP BY customer;
SELECT stage, count(*) FROM lc_serial GROUP BY stage ORDER BY stage;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
\i test/force_parallel_on.psql
SET enable_hashagg = off;
EXPLAIN (COSTS OFF)
SELECT customer, lifecycle_stage(ts, is_act, is_use, '2026-02-01', '14 days', '45 days')
FROM lc_events GROUP BY customer;
SELECT count(*) AS differences FROM (
  (SELECT customer, lifecycle_stage(ts, is_act, is_use, '2026-02-01', '14 days', '45 days'),
          lifecycle_status(ts, is_act, is_use, '2026-02-01', '14 days', '45 days')
   FROM lc_events GROUP BY customer
   EXCEPT SELECT * FROM lc_serial)
  UNION ALL
  (SELECT * FROM lc_serial
   EXCEPT SELECT customer, lifecycle_stage(ts, is_act, is_use, '2026-02-01', '14 days', '45 days'),
                 lifecycle_status(ts, is_act, is_use, '2026-02-01', '14 days', '45 days')
          FROM lc_events GROUP BY customer)) d;

-- The whole table as one group: Partial Aggregate under Gather, then
-- Finalize Aggregate combines the workers' deserialized states.
EXPLAIN (COSTS OFF)
SELECT lifecycle_status(ts, is_act, is_use, '2026-02-01', '14 days', '45 days') FROM lc_events;
SELECT lifecycle_status(ts, is_act, is_use, '2026-02-01', '14 days', '45 days') AS parallel FROM lc_events;
\i test/force_parallel_off.psql
SET max_parallel_workers_per_gather = 0;
SELECT lifecycle_status(ts, is_act, is_use, '2026-02-01', '14 days', '45 days') AS serial FROM lc_events;
RESET ALL;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = postgres;

-- The same stages from plain SQL, following the definitions step by step
-- (the reference the benchmark also checks against).
SELECT count(*) AS disagreements
FROM lc_serial s
JOIN (
  SELECT a.customer,
         CASE WHEN a.act IS NULL THEN 'prospect'
              WHEN u.last_use IS NULL THEN 'activated_unused'
              WHEN u.last_use > timestamptz '2026-02-01' - interval '14 days' THEN
                   CASE WHEN u.first_in_window - u.before_window > interval '14 days'
                        THEN 'resurrected' ELSE 'active' END
              WHEN u.last_use > timestamptz '2026-02-01' - interval '45 days' THEN 'dormant'
              ELSE 'churned' END::lifecycle_stage AS stage
  FROM (SELECT customer, min(ts) FILTER (WHERE is_act AND ts <= '2026-02-01') AS act
        FROM lc_events GROUP BY customer) a
  LEFT JOIN LATERAL (
        SELECT max(e.ts) AS last_use,
               max(e.ts) FILTER (WHERE e.ts <= timestamptz '2026-02-01' - interval '14 days') AS before_window,
               min(e.ts) FILTER (WHERE e.ts > timestamptz '2026-02-01' - interval '14 days') AS first_in_window
        FROM lc_events e
        WHERE e.customer = a.customer AND e.is_use AND e.ts >= a.act AND e.ts <= '2026-02-01') u ON true
) r USING (customer)
WHERE r.stage IS DISTINCT FROM s.stage;

DROP TABLE lc_cases, lc_events;

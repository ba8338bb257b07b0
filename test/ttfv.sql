-- time_to_first_value against an independent plain-SQL reference on
-- random event sets, in every row order.
BEGIN;
SELECT plan(4);
SELECT setseed(0.777);

CREATE TEMP TABLE ev AS
SELECT (random() * 3000)::int AS customer,
       timestamptz '2026-01-01' + (random() * 1000)::int * interval '1 hour' AS ts,
       random() < 0.15 AS is_start,
       random() < 0.25 AS is_value,
       timestamptz '2026-01-01' + (random() * 1000)::int * interval '1 hour' AS start_at
FROM generate_series(1, 30000);
UPDATE ev SET ts = NULL WHERE random() < 0.02;
UPDATE ev SET is_start = NULL WHERE random() < 0.02;
UPDATE ev SET start_at = NULL WHERE random() < 0.05;

CREATE TEMP VIEW reference AS
WITH s AS (SELECT customer, min(ts) AS first_start FROM ev WHERE is_start AND ts IS NOT NULL GROUP BY customer)
SELECT customer, min(e.ts) FILTER (WHERE e.is_value AND e.ts >= s.first_start) - s.first_start AS ttfv
FROM ev e LEFT JOIN s USING (customer)
GROUP BY customer, s.first_start;

CREATE TEMP VIEW reference_start_at AS
WITH s AS (SELECT customer, min(start_at) AS first_start FROM ev GROUP BY customer)
SELECT customer, min(e.ts) FILTER (WHERE e.is_value AND e.ts >= s.first_start) - s.first_start AS ttfv
FROM ev e LEFT JOIN s USING (customer)
GROUP BY customer, s.first_start;

SELECT set_eq(
  $$SELECT customer, time_to_first_value(ts, is_start, is_value) FROM ev GROUP BY customer$$,
  $$SELECT customer, justify_hours(ttfv) FROM reference$$,
  'equals the min()-join reference for every customer');
SELECT set_eq(
  $$SELECT customer, time_to_first_value(ts, is_start, is_value ORDER BY ts DESC NULLS FIRST) FROM ev GROUP BY customer$$,
  $$SELECT customer, justify_hours(ttfv) FROM reference$$,
  'the same with events arriving newest first');
SELECT set_eq(
  $$SELECT customer, time_to_first_value(ts, start_at, is_value ORDER BY random()) FROM ev GROUP BY customer$$,
  $$SELECT customer, justify_hours(ttfv) FROM reference_start_at$$,
  'start_at form equals its reference in random row order');
SELECT ok((SELECT count(*) FROM reference WHERE ttfv IS NOT NULL) > 500
      AND (SELECT count(*) FROM reference WHERE ttfv IS NULL) > 50,
  'the random data has customers with and without a first value');

SELECT * FROM finish();
ROLLBACK;

-- time_to_first_value: per group, from the earliest start event to the
-- earliest value event at or after it.

SET intervalstyle = postgres;
SET timezone = 'UTC';

CREATE TABLE onboarding (customer int, ts timestamptz, name text);
INSERT INTO onboarding VALUES
  -- 1: signup, then two reports: the first one counts
  (1, '2026-03-02 09:00+00', 'signup'), (1, '2026-03-02 11:30+00', 'report'), (1, '2026-03-04 08:00+00', 'report'),
  -- 2: a report before signup does not count; the one after does
  (2, '2026-03-01 12:00+00', 'report'), (2, '2026-03-02 10:00+00', 'signup'), (2, '2026-03-05 10:00+00', 'report'),
  -- 3: signed up, no value yet
  (3, '2026-03-03 10:00+00', 'signup'), (3, '2026-03-03 10:05+00', 'login'),
  -- 4: value but never a start
  (4, '2026-03-03 10:00+00', 'report'),
  -- 5: two signups: the earliest is the start
  (5, '2026-03-06 10:00+00', 'signup'), (5, '2026-03-02 10:00+00', 'signup'), (5, '2026-03-07 10:00+00', 'report'),
  -- 6: start and value at the same instant
  (6, '2026-03-02 10:00+00', 'signup'), (6, '2026-03-02 10:00+00', 'report'),
  -- 7: NULL timestamps are ignored
  (7, NULL, 'signup'), (7, '2026-03-02 10:00+00', 'signup'), (7, NULL, 'report'), (7, '2026-03-02 10:00:00.000001+00', 'report');

SELECT customer, time_to_first_value(ts, name = 'signup', name = 'report') AS ttfv
FROM onboarding GROUP BY customer ORDER BY customer;

-- the answer does not depend on the order rows arrive in
SELECT customer, time_to_first_value(ts, name = 'signup', name = 'report' ORDER BY ts DESC) AS newest_first,
                 time_to_first_value(ts, name = 'signup', name = 'report' ORDER BY ts) AS oldest_first
FROM onboarding GROUP BY customer ORDER BY customer;

-- a row may be both start and value; NULL conditions count as false
SELECT time_to_first_value(ts, true, true) AS both_on_one_row,
       time_to_first_value(ts, NULL::boolean, true) AS null_start,
       time_to_first_value(ts, true, NULL) AS null_value
FROM (VALUES (timestamptz '2026-03-02 10:00+00')) v(ts);

-- no rows, or only NULL timestamps: NULL
SELECT time_to_first_value(ts, true, true) FROM onboarding WHERE false;
SELECT time_to_first_value(NULL::timestamptz, true, true);
-- infinite timestamps are ignored like NULLs
SELECT time_to_first_value(ts, s, v)
FROM (VALUES (timestamptz '-infinity', true, false), ('2026-01-01', true, false),
             ('2026-01-03', false, true), ('infinity', false, true)) x(ts, s, v);

-- the start as a column (e.g. customers.signed_up_at joined in)
CREATE TABLE signups (customer int, signed_up_at timestamptz);
INSERT INTO signups VALUES (1, '2026-03-02 09:00+00'), (2, '2026-03-02 10:00+00'), (3, '2026-03-03 10:00+00'),
                           (8, '2026-03-04 10:00+00');
SELECT s.customer, time_to_first_value(o.ts, s.signed_up_at, o.name = 'report') AS ttfv
FROM signups s LEFT JOIN onboarding o USING (customer)
GROUP BY s.customer ORDER BY s.customer;
-- if start_at differs between rows of a group the earliest counts; a
-- row with a NULL ts still gives its start_at
SELECT time_to_first_value(ts, start_at, true)
FROM (VALUES (timestamptz '2026-01-05', timestamptz '2026-01-04'),
             ('2026-01-03', '2026-01-02'),
             (NULL, '2026-01-01'),
             ('2026-01-01 12:00', NULL)) v(ts, start_at);

-- timestamp (without time zone) overloads
SELECT time_to_first_value(ts, s, v), time_to_first_value(ts, start_at, v)
FROM (VALUES (timestamp '2026-01-01 00:00', true, false, timestamp '2026-01-01 06:00'),
             (timestamp '2026-01-02 12:00', false, true, NULL)) x(ts, s, v, start_at);

-- ordinary SQL around it: the median and p90 per weekly cohort
SELECT date_trunc('week', signed_up_at) AS cohort,
       quantile(duration_agg(ttfv), 0.5) AS median_ttfv,
       quantile(duration_agg(ttfv), 0.9) AS p90_ttfv,
       count(*) FILTER (WHERE ttfv IS NULL) AS not_yet
FROM (SELECT s.customer, s.signed_up_at, time_to_first_value(o.ts, s.signed_up_at, o.name = 'report') AS ttfv
      FROM signups s LEFT JOIN onboarding o USING (customer) GROUP BY s.customer, s.signed_up_at) t
GROUP BY 1 ORDER BY 1;

-- serial and forced-parallel plans agree, whatever the row order: the
-- value events of odd customers come before their start
CREATE TABLE product_events AS
SELECT c AS customer,
       timestamptz '2026-01-01' + c * interval '1 minute' + e * interval '1 hour'
         * CASE WHEN c % 2 = 1 THEN -1 ELSE 1 END AS ts,
       (e = 0) AS is_signup,
       (e % 3 = 2 OR (c % 5 = 0 AND e = 0)) AS is_value
FROM generate_series(1, 20000) c, generate_series(0, 7) e;
INSERT INTO product_events SELECT customer, ts + interval '30 days', true, false FROM product_events WHERE customer % 11 = 0 AND is_signup;
ANALYZE product_events;
CREATE TABLE serial_ttfv AS
SELECT customer, time_to_first_value(ts, is_signup, is_value) AS ttfv FROM product_events GROUP BY customer;
SELECT count(*) AS customers, count(ttfv) AS reached_value, min(ttfv), max(ttfv) FROM serial_ttfv;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
\i test/force_parallel_on.psql
SET enable_hashagg = off;
-- grouped: partial states per worker, serialized, combined at the leader
EXPLAIN (COSTS OFF)
SELECT customer, time_to_first_value(ts, is_signup, is_value) FROM product_events GROUP BY customer;
SELECT count(*) AS customers_differing FROM (
  (SELECT customer, time_to_first_value(ts, is_signup, is_value) FROM product_events GROUP BY customer)
  EXCEPT (SELECT * FROM serial_ttfv)) d;
-- groups whose rows are spread over the workers: partial states combined
EXPLAIN (COSTS OFF)
SELECT customer % 50, time_to_first_value(ts, is_signup, is_value) FROM product_events GROUP BY 1;
SELECT count(*) AS groups_differing FROM (
  (SELECT customer % 50, time_to_first_value(ts, is_signup, is_value) FROM product_events GROUP BY 1)
  EXCEPT
  (SELECT customer % 50, min(ttfv_by_group) FROM (
     SELECT customer, time_to_first_value(ts, is_signup, is_value) OVER (PARTITION BY customer % 50) AS ttfv_by_group
     FROM product_events) w GROUP BY 1)) d;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
\i test/force_parallel_off.psql
RESET enable_hashagg;

-- Revenue per cohort and payback: value_periods (per customer), the
-- cohort_value type, cohort_value()/rollup(), cohort_value_matrix,
-- payback_period, and value_periods over stored journeys.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = postgres;

-- value_periods(ts, amount, origin, period, periods [, as_of]): element
-- k+1 is the exact sum of the amounts in [origin + k*period, origin + (k+1)*period).
SELECT value_periods(ts, a, '2026-01-01', '7 days', 4) AS v, 'boundaries: origin is period 0, +7 days period 1' AS why
FROM (VALUES (timestamptz '2026-01-01', 1.5), ('2026-01-07 23:59:59.999999', 2), ('2026-01-08', 10),
             ('2026-01-28 23:59:59.999999', 0.001)) v(ts, a)
UNION ALL
SELECT value_periods(ts, a, '2026-01-01', '7 days', 4), 'before origin, past the last period, NULL ts or amount: ignored'
FROM (VALUES (timestamptz '2025-12-31 23:59:59.999999', 1.0), ('2026-01-29', 1), (NULL, 1), ('2026-01-02', NULL),
             ('infinity', 1)) v(ts, a)
UNION ALL
SELECT value_periods(ts, a, '2026-01-01', '1 day', 3), 'refunds are negative amounts; exact sums of any scale'
FROM (VALUES (timestamptz '2026-01-01 10:00', 19.99), ('2026-01-01 11:00', -19.99), ('2026-01-02', 0.1),
             ('2026-01-02', 0.2), ('2026-01-03', 12345678901234567890.12345678)) v(ts, a);
-- exact across int64 overflows, scale changes and 38 digits, as sum()
SELECT g, value_periods(ts, a, '2026-01-01', '1 day', 3) AS v, array_agg(a ORDER BY i) AS amounts,
       ARRAY[coalesce(sum(a) FILTER (WHERE ts < '2026-01-02'), 0),
             coalesce(sum(a) FILTER (WHERE ts >= '2026-01-02' AND ts < '2026-01-03'), 0),
             coalesce(sum(a) FILTER (WHERE ts >= '2026-01-03'), 0)]::text
         = value_periods(ts, a, '2026-01-01', '1 day', 3)::text AS as_sum
FROM (VALUES (1, 1, timestamptz '2026-01-01', 1::numeric), (1, 2, '2026-01-01', 0.5), (1, 3, '2026-01-02', 0.25),
             (1, 4, '2026-01-01', 0.001), (1, 5, '2026-01-03', 0),
             (2, 1, '2026-01-01', 9000000000000000000), (2, 2, '2026-01-01', 9000000000000000000), (2, 3, '2026-01-02', 1.5),
             (2, 4, '2026-01-03', -9223372036854775808), (2, 5, '2026-01-03', -1),
             (3, 1, '2026-01-01', 0.1234567890123456789), (3, 2, '2026-01-02', 2), (3, 3, '2026-01-03', -0.00),
             (4, 1, '2026-01-01', 5), (4, 2, '2026-01-02', 92233720368.54775807), (4, 3, '2026-01-02', 0.000000001),
             (4, 4, '2026-01-03', 99999999999999999999999999999999999999),
             (5, 1, '2026-01-03', 1.10), (5, 2, '2026-01-03', -1.10), (5, 3, '2026-01-01', 7),
             (6, 1, '2026-01-02', 2.50), (6, 2, '2026-01-03', 1.25), (6, 3, '2026-01-03', 3)) v(g, i, ts, a)
GROUP BY g ORDER BY g;
-- more periods than the state holds inline, with a scale change late
SELECT value_periods(timestamptz '2026-01-01' + g * interval '1 day', CASE WHEN g = 70 THEN 1.25 ELSE 1 END,
                     '2026-01-01', '1 day', 100)::text AS hundred_days
FROM generate_series(0, 99, 7) g;

-- with as_of: only the periods ending by as_of, as active_periods
SELECT as_of, value_periods(ts, a, '2026-01-01', '7 days', 4, as_of) AS v
FROM (VALUES (timestamptz '2026-01-02', 10.00), ('2026-01-09', 5), ('2026-01-16', 1), ('2026-01-27', 100)) v(ts, a),
     (VALUES (timestamptz '2026-01-05'), ('2026-01-08'), ('2026-01-21'), ('infinity')) x(as_of)
GROUP BY as_of ORDER BY as_of;
SELECT value_periods(ts, a, '2026-01-01', '7 days', 4) AS no_rows FROM (VALUES (now(), 1.0)) v(ts, a) WHERE false;
-- errors: the parameters as active_periods', NaN or infinite amounts, an inexact sum
SELECT value_periods(now(), 1, '2026-01-01', '0', 4);
SELECT value_periods(now(), 1, NULL, '7 days', 4);
SELECT value_periods(now(), 1, '2026-01-01', '7 days', 10001);
SELECT value_periods(now(), 1, '2026-01-01', '7 days', 4, NULL);
SELECT value_periods(ts, 1, '2026-01-01', p, 4)
FROM (VALUES (timestamptz '2026-01-02', interval '7 days'), ('2026-01-03', '1 day')) v(ts, p);
SELECT value_periods(ts, 1, '2026-01-01', '7 days', 4, a)
FROM (VALUES (timestamptz '2026-01-02', timestamptz '2026-01-20'), ('2026-01-03', '2026-01-21')) v(ts, a);
SELECT value_periods('2026-01-02', 'NaN'::numeric, '2026-01-01', '7 days', 4);
-- (an infinite numeric amount, PostgreSQL 14 on: test/value.sql)
SELECT value_periods('2026-01-02', 1e-21, '2026-01-01', '7 days', 4);
SELECT value_periods(ts, 9e37, '2026-01-01', '7 days', 4) FROM (VALUES (timestamptz '2026-01-02'), ('2026-01-03')) v(ts);

-- cohort_value(values numeric[]): per period, the customers observed
-- (arrays reaching it), paying (amount > 0), revenue, and the cumulative
-- revenue (periods 0..k) of the customers observed in k.
SELECT cohort_value(v) FROM (VALUES ('{10,0,5}'::numeric[]), ('{0,2.5}'), ('{}'), ('{1,1,1}'), (NULL)) x(v);
SELECT * FROM cohort_value_matrix((SELECT cohort_value(v) FROM (VALUES ('{10,0,5}'::numeric[]), ('{0,2.5}'), ('{}'), ('{1,1,1}')) x(v)));
SELECT cohort_size(cohort_value(v)) FROM (VALUES ('{10,0,5}'::numeric[]), ('{}')) x(v);
SELECT cohort_value(v) AS no_rows FROM (VALUES ('{1}'::numeric[])) x(v) WHERE false;
SELECT cohort_value(v) FROM (VALUES ('{1,NULL}'::numeric[])) x(v);
SELECT cohort_value(v) FROM (VALUES ('{{1,2},{3,4}}'::numeric[])) x(v);
SELECT cohort_value(v) FROM (VALUES ('{1,NaN}'::numeric[])) x(v);
SELECT cohort_value(array_fill(1::numeric, ARRAY[10001]));
-- rollup: cohorts observed for different numbers of periods
SELECT rollup(c) FROM (VALUES ('customers=2 observed=2,1 paying=1,1 revenue=10,5 cumulative=10,15'::cohort_value),
                              ('customers=1 observed=1 paying=0 revenue=0 cumulative=0'),
                              ('customers=3 observed= paying= revenue= cumulative=')) v(c);

-- payback_period(cv, acquisition_cost, margin): the first period whose
-- cumulative revenue per customer times margin covers the cost.
SELECT cost, margin, payback_period('customers=4 observed=4,4,2 paying=2,2,2 revenue=40,20,30 cumulative=40,60,50', cost, margin)
FROM (VALUES (0::numeric, 1::float8), (10, 1), (10, 0.5), (15, 1), (12.5, 0.5), (25, 1), (25.0001, 1), (100, 1)) v(cost, margin);
SELECT payback_period(NULL, 10, 0.5) AS null_cv;
SELECT payback_period('customers=1 observed=1 paying=1 revenue=1 cumulative=1', NULL, 0.5);
SELECT payback_period('customers=1 observed=1 paying=1 revenue=1 cumulative=1', 10, NULL);
SELECT payback_period('customers=1 observed=1 paying=1 revenue=1 cumulative=1', -1, 0.5);
SELECT payback_period('customers=1 observed=1 paying=1 revenue=1 cumulative=1', 'NaN', 0.5);
SELECT payback_period('customers=1 observed=1 paying=1 revenue=1 cumulative=1', 10, 0);
SELECT payback_period('customers=1 observed=1 paying=1 revenue=1 cumulative=1', 10, 'NaN');
SELECT payback_period('customers=1 observed=1 paying=1 revenue=1 cumulative=1', 10, 'infinity');

-- Text form and its bad-input catalogue.
SELECT c::cohort_value::text = c AS round_trip,
       test_recv('cohort_value', cohort_value_send(c::cohort_value)) = c AS binary_round_trip
FROM (VALUES ('customers=2 observed=2,1 paying=1,1 revenue=10.50,-5 cumulative=10.50,5.5'),
             ('customers=0 observed= paying= revenue= cumulative='),
             ('customers=9223372036854775807 observed=9223372036854775807 paying=9223372036854775807 revenue=-170141183460469231731687303715884105727 cumulative=0.00000000000000000001')) v(c);
SELECT ''::cohort_value;
SELECT 'customers=1'::cohort_value;
SELECT 'customers=1 observed=1 paying=1 revenue=1'::cohort_value;
SELECT 'customers=1 observed=1 paying=1,1 revenue=1 cumulative=1'::cohort_value;
SELECT 'customers=1 observed=1 paying=1 revenue=1 cumulative=1 '::cohort_value;
SELECT 'customers=1 observed=1 paying=1 revenue=1 cumulative=1,'::cohort_value;
SELECT 'customers=1 observed=1 paying=1 revenue=1x cumulative=1'::cohort_value;
SELECT 'customers=1 observed=1 paying=1 revenue=1e3 cumulative=1'::cohort_value;
SELECT 'customers=1 observed=1 paying=1 revenue=0.000000000000000000001 cumulative=1'::cohort_value;
SELECT 'customers=1 observed=2 paying=1 revenue=1 cumulative=1'::cohort_value;
SELECT 'customers=2 observed=1,2 paying=1,1 revenue=1,1 cumulative=1,1'::cohort_value;
SELECT 'customers=2 observed=2 paying=3 revenue=1 cumulative=1'::cohort_value;
SELECT 'customers=2 observed=0 paying=0 revenue=1 cumulative=0'::cohort_value;
SELECT 'customers=-1 observed= paying= revenue= cumulative='::cohort_value;
DO $$
DECLARE detail text;
BEGIN
  PERFORM ('customers=1 observed=' || repeat('0,', 10000) || '0 paying=0 revenue=0 cumulative=0')::cohort_value;
EXCEPTION WHEN invalid_text_representation THEN
  GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
  RAISE NOTICE '10001 periods rejected: %', detail;
END $$;
-- Binary form: version (1), flags, periods (int4), customers (int8),
-- observed and paying (int8 each), revenue and cumulative (20 bytes each).
SELECT cohort_value_send('customers=1 observed=1 paying=1 revenue=2.5 cumulative=2.5');
\set SHOW_CONTEXT never
SELECT test_recv('cohort_value', '\x01');                                                   -- truncated
SELECT test_recv('cohort_value', '\x020000000000000000000000000001');                       -- version 2
SELECT test_recv('cohort_value', '\x010100000000000000000000000001');                       -- flags
SELECT test_recv('cohort_value', '\x01000000000000000000000000000100');                     -- long
SELECT test_recv('cohort_value', '\x0100ffffffff0000000000000001');                         -- negative periods
SELECT test_recv('cohort_value', '\x010000000001000000000000000100000000000000010000000000000001');  -- short
SELECT test_recv('cohort_value', '\x01000000000100000000000000010000000000000001000000000000000100000000000000000000000000000019000000190000000000000000000000000000001900000001');  -- scale 25
SELECT test_recv('cohort_value', '\x01000000000100000000000000010000000000000001000000000000000200000000000000000000000000000019000000010000000000000000000000000000001900000001');  -- paying > observed
SELECT test_recv('cohort_value', '\x01000000000100000000000000010000000000000000000000000000000000000000000000000000000000000019000000010000000000000000000000000000000000000000');  -- revenue where nobody was observed
SELECT test_recv('cohort_value', '\x01000000000100000000000000010000000000000001000000000000000100000000000000000000000000000019000000010000000000000000000000000000001900000001') AS valid;
SELECT test_recv('cohort_value', '\x010000000000ffffffffffffffff');                         -- negative customers
\set SHOW_CONTEXT errors

-- A revenue curve and payback per weekly cohort.  Week k is days [7k,
-- 7k+7) after each customer's own signup; the data ends on 2026-02-02,
-- so the later cohort is observed for fewer weeks (its curve is shorter,
-- not bent down by weeks that have not happened).
CREATE TABLE cv_customers (id int, signed_up_at timestamptz);
CREATE TABLE cv_orders (customer_id int, ts timestamptz, amount numeric);
INSERT INTO cv_customers VALUES
  (1, '2026-01-05 10:00'), (2, '2026-01-06 12:00'), (3, '2026-01-07 09:00'),
  (4, '2026-01-12 10:00'), (5, '2026-01-13 11:00'), (6, '2026-01-14 08:00');
INSERT INTO cv_orders VALUES
  (1, '2026-01-05 10:30', 30.00), (1, '2026-01-13 10:00', 20.00), (1, '2026-01-27', 25.00),
  (2, '2026-01-06 13:00', 50.00), (2, '2026-01-20 11:00', -10.00),
  (4, '2026-01-12 11:00', 40.00), (4, '2026-01-19 10:00', 40.00), (4, '2026-01-26 10:00', 40.00),
  (5, '2026-01-25', 15.50);
CREATE TEMP TABLE cv_cohorts AS
SELECT date_trunc('week', signed_up_at) AS cohort, cohort_value(vals) AS cv
FROM (SELECT c.id, c.signed_up_at,
             value_periods(o.ts, o.amount, c.signed_up_at, '7 days', 4, '2026-02-02') AS vals
      FROM cv_customers c LEFT JOIN cv_orders o ON o.customer_id = c.id
      GROUP BY c.id, c.signed_up_at) per_customer
GROUP BY 1;
SELECT cohort, cv FROM cv_cohorts ORDER BY cohort;
SELECT cohort, m.* FROM cv_cohorts, cohort_value_matrix(cv) m ORDER BY cohort, period;
-- at a 60 % margin: a cost of 15 is paid back in week 0 by the first cohort and
-- in week 1 by the second; a cost of 18.50 only by the second, in week 1
SELECT cohort, payback_period(cv, 15, 0.6) AS payback_15, payback_period(cv, 18.50, 0.6) AS payback_18_50
FROM cv_cohorts ORDER BY cohort;
SELECT m.* FROM (SELECT rollup(cv) AS cv FROM cv_cohorts) t, cohort_value_matrix(t.cv) m;

-- Over stored journeys: value_periods(j, label, ...) from the amounts of
-- the label's events, and active_periods(j, ..., as_of); both equal the
-- row aggregates.
CREATE TEMP TABLE cv_journeys AS
SELECT c.id, c.signed_up_at, journey_agg(o.ts, 'order', o.amount) FILTER (WHERE o.ts IS NOT NULL) AS j
FROM cv_customers c LEFT JOIN cv_orders o ON o.customer_id = c.id GROUP BY c.id, c.signed_up_at;
SELECT id, value_periods(j, 'order', signed_up_at, '7 days', 4, '2026-02-02') AS vals,
       value_periods(j, 'order', signed_up_at, '7 days', 4) AS all_weeks,
       active_periods(j, '{order}', signed_up_at, '7 days', 4, '2026-02-02') AS weeks
FROM cv_journeys ORDER BY id;
SELECT count(*) AS differences FROM cv_journeys jr
JOIN (SELECT c.id, value_periods(o.ts, o.amount, c.signed_up_at, '7 days', 4, '2026-02-02') AS vals,
             active_periods(o.ts, o.ts IS NOT NULL, c.signed_up_at, '7 days', 4, '2026-02-02') AS weeks
      FROM cv_customers c LEFT JOIN cv_orders o ON o.customer_id = c.id GROUP BY c.id, c.signed_up_at) rows USING (id)
WHERE value_periods(jr.j, 'order', jr.signed_up_at, '7 days', 4, '2026-02-02') IS DISTINCT FROM rows.vals
   OR active_periods(jr.j, '{order}', jr.signed_up_at, '7 days', 4, '2026-02-02') IS DISTINCT FROM rows.weeks;
SELECT value_periods(NULL::journey, 'order', '2026-01-01', '7 days', 2) AS null_journey,
       value_periods(j, NULL, '2026-01-01', '7 days', 2) AS null_label,
       value_periods(j, 'refund', '2026-01-01', '7 days', 2) AS other_label,
       value_periods(j, 'order', '2026-01-01', '7 days', 2, '2025-01-01') AS nothing_observed
FROM cv_journeys WHERE id = 1;
SELECT value_periods(j, 'order', '2026-01-01', '7 days', 2, NULL) FROM cv_journeys WHERE id = 1;
SELECT value_periods(j, 'order', '2026-01-01', '-7 days', 2) FROM cv_journeys WHERE id = 1;

-- Forced parallel plans give the same answers as serial ones: the
-- per-customer value_periods (partial states serialized), and cohort_value
-- over a regular table (partial cohort_value states merged).
CREATE TABLE cv_big AS
SELECT u AS uid, timestamptz '2026-01-01' + ((u * 7919 + i * 104729) % (60 * 24)) * interval '1 hour' AS ts,
       round(((u * 31 + i * 17) % 2000) / 100.0 - 2, 2) AS amount
FROM generate_series(1, 4000) u, generate_series(1, 12) i WHERE (u + i) % 5 <> 0;
ANALYZE cv_big;
CREATE TEMP TABLE cv_serial AS
SELECT uid, value_periods(ts, amount, '2026-01-01', '7 days', 9, '2026-02-20') AS v FROM cv_big GROUP BY uid;
SELECT cohort_value(v) AS serial_total FROM cv_serial;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
\i test/force_parallel_on.psql
SET enable_hashagg = off;
EXPLAIN (COSTS OFF)
SELECT uid, value_periods(ts, amount, '2026-01-01', '7 days', 9, '2026-02-20') FROM cv_big GROUP BY uid;
SELECT count(*) AS differences FROM (
  (SELECT uid, value_periods(ts, amount, '2026-01-01', '7 days', 9, '2026-02-20') FROM cv_big GROUP BY uid
   EXCEPT SELECT * FROM cv_serial)
  UNION ALL
  (SELECT * FROM cv_serial
   EXCEPT SELECT uid, value_periods(ts, amount, '2026-01-01', '7 days', 9, '2026-02-20') FROM cv_big GROUP BY uid)) d;
EXPLAIN (COSTS OFF)
SELECT value_periods(ts, amount, '2026-01-01', '7 days', 9) FROM cv_big;
SELECT value_periods(ts, amount, '2026-01-01', '7 days', 9) AS everyone FROM cv_big;
CREATE TABLE cv_arrays AS SELECT * FROM cv_serial;
ANALYZE cv_arrays;
EXPLAIN (COSTS OFF) SELECT cohort_value(v) FROM cv_arrays;
SELECT cohort_value(v) AS parallel_total FROM cv_arrays;
SELECT rollup(cv) AS rollup_of_parts FROM (SELECT uid % 7, cohort_value(v) AS cv FROM cv_arrays GROUP BY 1) p;
RESET ALL;

DROP TABLE cv_customers, cv_orders, cv_big, cv_arrays;

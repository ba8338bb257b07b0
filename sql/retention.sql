-- retention(VARIADIC boolean[]): ClickHouse's contract.  r[1] = 1 when some
-- row of the group met condition 1; r[i] = 1 when r[1] = 1 and some row
-- (not necessarily the same one) met condition i.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = postgres;

-- ClickHouse's documentation example: 5 users on day 1, 10 on day 2, 15 on day 3.
CREATE TABLE retention_test (date date, uid int);
INSERT INTO retention_test SELECT '2020-01-01', g FROM generate_series(0, 4) g;
INSERT INTO retention_test SELECT '2020-01-02', g FROM generate_series(0, 9) g;
INSERT INTO retention_test SELECT '2020-01-03', g FROM generate_series(0, 14) g;
SELECT uid, retention(date = '2020-01-01', date = '2020-01-02', date = '2020-01-03') AS r
FROM retention_test GROUP BY uid ORDER BY uid;
-- ... and the funnel of the docs: sum(r[1]), sum(r[2]), sum(r[3])
SELECT sum(r[1]) AS r1, sum(r[2]) AS r2, sum(r[3]) AS r3
FROM (SELECT retention(date = '2020-01-01', date = '2020-01-02', date = '2020-01-03') AS r
      FROM retention_test GROUP BY uid) t;

-- Corner cases.
SELECT retention(c) AS one_condition FROM (VALUES (false), (true)) v(c);
SELECT retention(a, b) AS first_never_met FROM (VALUES (false, true), (false, true)) v(a, b);
SELECT retention(a, b, c) AS one_row_meets_all FROM (VALUES (true, true, true)) v(a, b, c);
SELECT retention(a, b, c) AS null_is_false FROM (VALUES (true, NULL::boolean, false), (NULL, NULL, true)) v(a, b, c);
SELECT retention(VARIADIC c) AS null_array_row_ignored
FROM (VALUES (ARRAY[true, false]), (NULL), (ARRAY[false, true])) v(c);
SELECT retention(VARIADIC c) AS only_null_arrays FROM (VALUES (NULL::boolean[])) v(c);
SELECT retention(c) AS no_rows FROM (VALUES (true)) v(c) WHERE false;
SELECT retention(VARIADIC array_fill(true, ARRAY[32])) AS thirty_two;
-- errors: no condition, more than 32, a 2-D array, counts that differ between rows
SELECT retention(VARIADIC '{}'::boolean[]);
SELECT retention(VARIADIC array_fill(true, ARRAY[33]));
SELECT retention(VARIADIC '{{true},{false}}'::boolean[]);
SELECT retention(VARIADIC c) FROM (VALUES (ARRAY[true, false]), (ARRAY[true])) v(c);
-- the final function checks a state it is handed directly
SELECT retention_final(-1);

-- active_periods(ts, is_active, origin, period, periods): bit k (leftmost
-- = 0) is set when an active row falls in [origin + k*period, origin + (k+1)*period).
SELECT active_periods(ts, true, '2026-01-01', '7 days', 4) AS bits, 'origin itself is period 0' AS why
FROM (VALUES (timestamptz '2026-01-01')) v(ts)
UNION ALL
SELECT active_periods(ts, true, '2026-01-01', '7 days', 4), 'origin + 7 days starts period 1'
FROM (VALUES (timestamptz '2026-01-08')) v(ts)
UNION ALL
SELECT active_periods(ts, true, '2026-01-01', '7 days', 4), 'last microsecond of period 3'
FROM (VALUES (timestamptz '2026-01-28 23:59:59.999999')) v(ts)
UNION ALL
SELECT active_periods(ts, true, '2026-01-01', '7 days', 4), 'before origin and after the last period: ignored'
FROM (VALUES (timestamptz '2025-12-31 23:59:59.999999'), ('2026-01-29')) v(ts)
UNION ALL
SELECT active_periods(ts, a, '2026-01-01', '7 days', 4), 'NULL ts, NULL or false is_active: ignored'
FROM (VALUES (NULL::timestamptz, true), ('2026-01-02', NULL), ('2026-01-09', false), ('infinity', true)) v(ts, a)
UNION ALL
SELECT active_periods(ts, true, '2026-01-01', '1 day', 10), 'several rows, any order'
FROM (VALUES (timestamptz '2026-01-09 12:00'), ('2026-01-01 06:00'), ('2026-01-03'), ('2026-01-01 07:00')) v(ts);
-- errors
SELECT active_periods(now(), true, '2026-01-01', '0', 4);
SELECT active_periods(now(), true, '2026-01-01', '-7 days', 4);
SELECT active_periods(now(), true, '2026-01-01', '7 days', 0);
SELECT active_periods(now(), true, '2026-01-01', '7 days', 10001);
SELECT active_periods(now(), true, NULL, '7 days', 4);
SELECT active_periods(now(), true, '-infinity', '7 days', 4);
SELECT active_periods(ts, true, '2026-01-01', '7 days', n) FROM (VALUES (now(), 4), (now(), 5)) v(ts, n);
-- origin and period must not change within a group either (0.1.0 counted
-- each row against its own origin and period)
SELECT active_periods(ts, true, '2026-01-01', p, 4)
FROM (VALUES (timestamptz '2026-01-02', interval '7 days'), ('2026-01-03', '1 day')) v(ts, p);
SELECT active_periods(ts, true, o, '7 days', 4)
FROM (VALUES (timestamptz '2026-01-02', timestamptz '2026-01-01 00:00+00'), ('2026-01-03', '2026-01-02 00:00+00')) v(ts, o);
-- an origin that is a column constant per group is fine
SELECT k, active_periods(ts, true, o, '1 day', 3)
FROM (VALUES (1, timestamptz '2026-01-02', timestamptz '2026-01-01'), (1, '2026-01-03', '2026-01-01'),
             (2, '2026-01-02', '2026-01-02'), (2, '2026-01-03', '2026-01-02')) v(k, ts, o)
GROUP BY k ORDER BY k;
-- the state is checked: the support functions take any bytea from SQL
-- padding bits past the last period must be zero (found by test/fuzz_inputs.sql)
SELECT active_periods_final(set_byte(active_periods_trans(NULL, '2024-01-03', true, '2024-01-01', '1 day', 10), 37, 255));
SELECT active_periods_final('\x00');
SELECT active_periods_final('\x02000000010000000a000000000000000000000000000000000000000000000000000000000000');
-- observed must match as_of
SELECT active_periods_final(set_byte(active_periods_trans_as_of(NULL, '2024-01-03', true, '2024-01-01', '1 day', 10, '2024-01-05'), 8, 9));

-- period_lifecycle(active, first_seen, origin, period): PostHog's statuses
-- for periods 1..n-1 (period 0 only tells whether period 1 follows activity).
-- Bits 0101101: inactive, active (first seen here), inactive, active, active, inactive, active.
SELECT * FROM period_lifecycle(B'0101101', '2026-01-09', '2026-01-01', '1 week');
-- first seen in period 0 (the look-back): active in period 1 is "returning"
SELECT * FROM period_lifecycle(B'11', '2026-01-02', '2026-01-01', '1 week');
-- created earlier but first active now: "resurrecting", as in PostHog
SELECT * FROM period_lifecycle(B'001', '2026-01-02', '2026-01-01', '1 week');
-- NULL first_seen: never new; NULL bits: no rows
SELECT * FROM period_lifecycle(B'01', NULL, '2026-01-01', '1 week');
SELECT count(*) FROM period_lifecycle(NULL, '2026-01-02', '2026-01-01', '1 week');
SELECT * FROM period_lifecycle(B'01', NULL, '2026-01-01', NULL);

-- cohort_retention: text form customers=N active=A0,A1,...
SELECT 'customers=3 active=3,1,0'::cohort_retention;
SELECT 'customers=0 active=0'::cohort_retention;
SELECT c::cohort_retention::text = c AS round_trip
FROM (VALUES ('customers=9223372036854775807 active=9223372036854775807,0')) v(c);
-- bad input catalogue
SELECT ''::cohort_retention;
SELECT 'customers=3'::cohort_retention;
SELECT 'customers=3 active='::cohort_retention;
SELECT 'customers=3 active=1,'::cohort_retention;
SELECT 'customers=3 active=1,,2'::cohort_retention;
SELECT 'customers=3 active=4'::cohort_retention;
SELECT 'customers=-3 active=1'::cohort_retention;
SELECT 'customers=3 active=-1'::cohort_retention;
SELECT 'customers=3  active=1'::cohort_retention;
SELECT 'customers=3 active=1 '::cohort_retention;
SELECT 'customers=9223372036854775808 active=1'::cohort_retention;
SELECT 'Customers=3 active=1'::cohort_retention;
DO $$
DECLARE detail text;
BEGIN
  PERFORM ('customers=1 active=' || repeat('0,', 10000) || '0')::cohort_retention;
EXCEPTION WHEN invalid_text_representation THEN
  GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
  RAISE NOTICE '10001 periods rejected: %', detail;
END $$;

-- Binary form: version (2), flags, periods (int4), period (int8 µs, 0 =
-- unknown), customers (int8), the active counts (int8 each); version 1
-- (0.1.0) has no period.  Round trip, then hostile bytes through
-- cohort_retention_recv (test_recv is defined in sql/setup.sql).
SELECT cohort_retention_send('customers=5 active=5,2,1');
SELECT test_recv('cohort_retention', cohort_retention_send(r)) = r::text AS binary_round_trip
FROM (VALUES ('customers=5 active=5,2,1'::cohort_retention), ('customers=0 active=0,0'),
             ('customers=9223372036854775807 active=1')) v(r);
\set SHOW_CONTEXT never
SELECT test_recv('cohort_retention', '\x01');                                        -- truncated
SELECT test_recv('cohort_retention', '\x04000000000100000000000000010000000000000001'); -- version 4
SELECT test_recv('cohort_retention', '\x01000000000000000000000000010000000000000001'); -- 0 periods
SELECT test_recv('cohort_retention', '\x020100000001000000000000000000000000000000010000000000000001'); -- flags
SELECT test_recv('cohort_retention', '\x020000000001ffffffffffffffff00000000000000010000000000000001'); -- negative period
SELECT test_recv('cohort_retention', '\x02000000000100000000000000010000000000000001'); -- v2 without period
SELECT test_recv('cohort_retention', '\x010000000002000000000000000100000000000000010000'); -- short
SELECT test_recv('cohort_retention', '\x01000000000100000000000000010000000000000002'); -- active > customers
SELECT test_recv('cohort_retention', '\x0100000000010000000000000001ffffffffffffffff'); -- negative

\set SHOW_CONTEXT errors

-- A cohort retention matrix: customers who signed up in a week are a
-- cohort; period k is days [7k, 7k+7) after each customer's own signup.
CREATE TABLE rt_customers (id int, signed_up_at timestamptz);
CREATE TABLE rt_events (customer_id int, ts timestamptz);
INSERT INTO rt_customers VALUES
  (1, '2026-01-05 10:00'), (2, '2026-01-06 12:00'), (3, '2026-01-07 09:00'), (4, '2026-01-08 08:00'),
  (5, '2026-01-12 10:00'), (6, '2026-01-13 11:00');
INSERT INTO rt_events VALUES
  (1, '2026-01-05 10:05'), (1, '2026-01-13 10:00'), (1, '2026-01-20 09:00'),  -- periods 0, 1, 2
  (2, '2026-01-06 12:30'), (2, '2026-01-20 11:59'),                           -- 0, 1 (13 d 23 h 59 m)
  (3, '2026-01-07 09:10'),                                                     -- 0
  (4, '2026-01-22 08:00'),                                                     -- 2 (exactly 14 days)
  (5, '2026-01-12 10:01'), (5, '2026-01-19 10:00'),                           -- 0, 1 (exactly 7 days)
  (5, '2026-01-11 10:00');                                                     -- before signup: ignored
-- customer 6 has no events: the LEFT JOIN gives them one row with a NULL
-- ts, so they get an all-zero bit string and count in their cohort.
CREATE TEMP TABLE rt_cohorts AS
SELECT date_trunc('week', signed_up_at) AS cohort, retention_agg(bits) AS r
FROM (SELECT c.id, c.signed_up_at, active_periods(e.ts, true, c.signed_up_at, '7 days', 3) AS bits
      FROM rt_customers c LEFT JOIN rt_events e ON e.customer_id = c.id
      GROUP BY c.id, c.signed_up_at) per_customer
GROUP BY 1;
SELECT cohort, r FROM rt_cohorts ORDER BY cohort;
SELECT cohort, m.* FROM rt_cohorts, retention_matrix(r) m ORDER BY cohort, period;
SELECT cohort, cohort_size(r),
       round(retention_share(r, 0)::numeric, 2) AS p0, round(retention_share(r, 1)::numeric, 2) AS p1,
       round(retention_share(r, 2)::numeric, 2) AS p2, retention_share(r, 3) AS past_the_end
FROM rt_cohorts ORDER BY cohort;
SELECT rollup(r) AS all_cohorts FROM rt_cohorts;
SELECT retention_agg(b) FROM (VALUES (B'10'), (B'101')) v(b);
SELECT rollup(r) FROM (VALUES ('customers=1 active=1'::cohort_retention), ('customers=1 active=1,0')) v(r);
SELECT retention_share('customers=0 active=0', 0) AS empty_cohort;

-- Cohorts remember their period when retention_agg is given it, and
-- rollup refuses to merge a weekly cohort with a daily one (0.1.0 merged
-- them).  A value without a period (0.1.0's, or retention_agg(bits))
-- merges with any: the result keeps the known period, so a rollup fails
-- exactly when two known periods differ, in any order.
SELECT retention_agg(b, '1 week') AS weekly, cohort_period(retention_agg(b, '1 week'))
FROM (VALUES (B'110'), (B'100')) v(b);
SELECT 'customers=2 active=2,1 period_us=86400000000'::cohort_retention AS daily,
       cohort_period('customers=2 active=2,1 period_us=86400000000'),
       cohort_period('customers=2 active=2,1') AS unknown;
SELECT c::cohort_retention::text = c AS round_trip,
       test_recv('cohort_retention', cohort_retention_send(c::cohort_retention)) = c AS binary_round_trip
FROM (VALUES ('customers=2 active=2,1 period_us=86400000000'),
             ('customers=9223372036854775807 active=9223372036854775807 period_us=9223372036854775807'),
             ('customers=0 active=0 period_us=1')) v(c);
SELECT rollup(r) FROM (VALUES ('customers=2 active=2,1 period_us=604800000000'::cohort_retention),
                              ('customers=1 active=1,1'), ('customers=3 active=3,0 period_us=604800000000')) v(r);
SELECT rollup(r) FROM (VALUES ('customers=1 active=1,1'::cohort_retention), ('customers=3 active=3,0')) v(r);
SELECT rollup(r) FROM (VALUES ('customers=2 active=2,1 period_us=604800000000'::cohort_retention),
                              ('customers=1 active=1,1'), ('customers=3 active=3,0 period_us=86400000000')) v(r);
SELECT rollup(r) FROM (VALUES ('customers=3 active=3,0 period_us=86400000000'::cohort_retention),
                              ('customers=1 active=1,1'), ('customers=2 active=2,1 period_us=604800000000')) v(r);
SELECT rollup(r) FROM (SELECT retention_agg(b, p) AS r
                       FROM (VALUES (B'11', interval '1 day', 1), (B'10', '1 week', 2)) v(b, p, c)
                       GROUP BY c) x;
SELECT retention_agg(b, p) FROM (VALUES (B'11', interval '1 day'), (B'10', '1 week')) v(b, p);
SELECT retention_agg(b, NULL) FROM (VALUES (B'11')) v(b);
SELECT retention_agg(b, '0') FROM (VALUES (B'11')) v(b);
SELECT 'customers=2 active=2,1 period_us=0'::cohort_retention;
SELECT 'customers=2 active=2,1 period_us=-5'::cohort_retention;
SELECT 'customers=2 active=2,1 period_us=5 '::cohort_retention;
SELECT 'customers=2 active=2,1 period=5'::cohort_retention;
-- 0.1.0 values keep reading: binary version 1, and the raw bytes a 0.1.0
-- server stored (made here by declaring the built-in byteacat as returning
-- a cohort_retention, so the bytes land in the table as they are: version
-- 1, flags, unused, periods = 2, 4 bytes of padding, customers = 3, active
-- 3 and 1, little-endian as on disk).
SELECT test_recv('cohort_retention', '\x010000000002000000000000000300000000000000030000000000000001') AS binary_v1;
\set SHOW_CONTEXT never
SELECT test_recv('cohort_retention', '\x0100000000020000000000000003000000000000000300000000000000') AS binary_v1_short;
\set SHOW_CONTEXT errors
CREATE FUNCTION test_raw_cohort_retention(bytea, bytea) RETURNS cohort_retention
    LANGUAGE internal IMMUTABLE STRICT AS 'byteacat';
CREATE TABLE rt_stored_v1 AS
SELECT test_raw_cohort_retention('\x010000000200000000000000030000000000000003000000000000000100000000000000', '') AS r;
SELECT r, cohort_size(r), cohort_period(r), retention_share(r, 1),
       test_recv('cohort_retention', cohort_retention_send(r)) AS via_binary FROM rt_stored_v1;
SELECT rollup(r) FROM (SELECT r FROM rt_stored_v1 UNION ALL
                       SELECT 'customers=1 active=1,0 period_us=86400000000') x;
SELECT test_raw_cohort_retention('\x09000000010000000000000001000000000000000100000000000000', '');
DROP FUNCTION test_raw_cohort_retention(bytea, bytea);

-- Observed periods.  active_periods(..., as_of): only the periods that
-- end by as_of are observed, and the bit string stops before the first
-- one that does not (its length is the number of observed periods).
SELECT as_of, active_periods(ts, true, '2026-01-01', '7 days', 4, as_of) AS bits
FROM (VALUES (timestamptz '2026-01-02'), ('2026-01-09'), ('2026-01-16'), ('2026-01-23')) v(ts),
     (VALUES (timestamptz '2025-12-31'), ('2026-01-07 23:59:59.999999'), ('2026-01-08'), ('2026-01-21'),
             ('2026-01-29'), ('2030-01-01'), ('infinity'), ('-infinity')) a(as_of)
GROUP BY as_of ORDER BY as_of;
SELECT active_periods(ts, true, '2026-01-01', '7 days', 4, NULL) FROM (VALUES (now())) v(ts);
SELECT active_periods(ts, true, '2026-01-01', '7 days', 4, a)
FROM (VALUES (timestamptz '2026-01-02', timestamptz '2026-01-20'), ('2026-01-03', '2026-01-21')) v(ts, a);
-- retention_agg counts, per period, the customers whose bit string
-- reaches it (observed); the share divides by them.  Without as_of every
-- customer is observed in every period and nothing changes (observed is
-- left out of the text form).
SELECT retention_agg(b, '1 week') AS r FROM (VALUES (B'101'), (B'11'), (B''), (B'1')) v(b);
SELECT * FROM retention_matrix((SELECT retention_agg(b, '1 week') FROM (VALUES (B'101'), (B'11'), (B''), (B'1')) v(b)),
                               '2026-01-05');
SELECT retention_share(r, 0) AS p0, retention_share(r, 1) AS p1, retention_share(r, 2) AS p2,
       retention_share(r, 3) AS past_the_end, cohort_size(r)
FROM (SELECT retention_agg(b) AS r FROM (VALUES (B'101'), (B'11'), (B''), (B'1')) v(b)) x;
-- nobody observed yet: no period; share NULL where nobody was observed
SELECT retention_agg(b) AS r, (SELECT count(*) FROM retention_matrix(retention_agg(b))) FROM (VALUES (B''), (B'')) v(b);
SELECT * FROM retention_matrix('customers=3 active=1,0 observed=2,0');
-- period_start needs both cohort_start and a known period
SELECT period, period_start FROM retention_matrix('customers=1 active=1,1 period_us=86400000000', '2026-01-01 12:00');
SELECT period, period_start FROM retention_matrix('customers=1 active=1,1', '2026-01-01');
SELECT period, period_start FROM retention_matrix('customers=1 active=1,1 period_us=86400000000', NULL);
SELECT period, period_start FROM retention_matrix('customers=1 active=1,1 period_us=86400000000', 'infinity');
-- rollup of cohorts observed for different numbers of periods
SELECT rollup(r) FROM (VALUES ('customers=3 active=2,1 observed=3,2 period_us=604800000000'::cohort_retention),
                              ('customers=2 active=1 period_us=604800000000'),
                              ('customers=4 active=')) v(r);
-- the text form with observed counts, and its checks
SELECT 'customers=5 active=3,1,0 observed=5,4,2 period_us=86400000000'::cohort_retention;
SELECT 'customers=5 active=3,1 observed=5,5'::cohort_retention AS observed_all_is_left_out;
SELECT c::cohort_retention::text = c AS round_trip,
       test_recv('cohort_retention', cohort_retention_send(c::cohort_retention)) = c AS binary_round_trip
FROM (VALUES ('customers=5 active=3,1,0 observed=5,4,2 period_us=86400000000'), ('customers=7 active='),
             ('customers=0 active= period_us=1'), ('customers=9223372036854775807 active=0 observed=0')) v(c);
SELECT 'customers=5 active=3,1 observed=5'::cohort_retention;           -- one observed count per period
SELECT 'customers=5 active=3,1 observed=5,6'::cohort_retention;         -- observed grows
SELECT 'customers=5 active=3,1 observed=6,5'::cohort_retention;         -- more than the customers
SELECT 'customers=5 active=3,3 observed=5,2'::cohort_retention;         -- active above observed
SELECT 'customers=5 active=3 period_us=5 observed=5'::cohort_retention; -- order
SELECT 'customers=5 active=3 observed='::cohort_retention;
\set SHOW_CONTEXT never
-- version 3 binary: observed counts after the active ones
SELECT cohort_retention_send('customers=5 active=3,1 observed=5,4');
SELECT test_recv('cohort_retention', '\x03000000000000000000000000000000000000000005') AS zero_periods;
SELECT test_recv('cohort_retention', '\x03000000000100000000000000000000000000000005000000000000000300000000000000060000'); -- short
SELECT test_recv('cohort_retention', '\x030000000001000000000000000000000000000000050000000000000003000000000000000600'); -- short
SELECT test_recv('cohort_retention', '\x03000000000100000000000000000000000000000005000000000000000300000000000000060000000000000000'); -- long
SELECT test_recv('cohort_retention', '\x0300000000010000000000000000000000000000000500000000000000030000000000000006'); -- observed > customers
SELECT test_recv('cohort_retention', '\x0300000000010000000000000000000000000000000500000000000000030000000000000002'); -- active > observed
\set SHOW_CONTEXT errors
-- version 2 values stored on disk (0.2.0 before observed counts): version
-- 2, flags, unused, periods = 2, padding, period = 1 day, customers = 3,
-- active 3 and 1, little-endian
CREATE FUNCTION test_raw_cohort_retention(bytea, bytea) RETURNS cohort_retention
    LANGUAGE internal IMMUTABLE STRICT AS 'byteacat';
CREATE TABLE rt_stored_v2 AS
SELECT test_raw_cohort_retention('\x0200000002000000000000000060d71d14000000030000000000000003000000000000000100000000000000', '') AS r;
SELECT test_raw_cohort_retention('\x0200000002000000000000000060d71d140000000300000000000000030000000000000001000000', '') AS short_v2;
SELECT r, cohort_size(r), cohort_period(r), retention_share(r, 1),
       test_recv('cohort_retention', cohort_retention_send(r)) AS via_binary FROM rt_stored_v2;
SELECT rollup(r) FROM (SELECT r FROM rt_stored_v2 UNION ALL
                       SELECT 'customers=2 active=1,1,1 observed=2,2,1 period_us=86400000000') x;
SELECT * FROM retention_matrix((SELECT r FROM rt_stored_v2), '2026-01-01');
DROP FUNCTION test_raw_cohort_retention(bytea, bytea);
DROP TABLE rt_stored_v2;

-- The incomplete cohort: customers of the week of 2026-01-12 and the data
-- ends (as_of) on 2026-01-27; week k ends 7(k+1) days after each
-- customer's own signup, so customer 5 (signed up 14 days 14 hours
-- before as_of) is observed for 2 weeks, customer 6 (13 days 13 hours)
-- for 1, and nobody of that cohort in week 2: the matrix stops there,
-- where without as_of week 2 showed 0 %.  Of the first cohort only
-- customer 1 is observed in week 2.
SELECT date_trunc('week', signed_up_at) AS cohort, m.*
FROM (SELECT date_trunc('week', signed_up_at) AS signed_up_at, retention_agg(bits, '7 days') AS r
      FROM (SELECT c.id, c.signed_up_at, active_periods(e.ts, true, c.signed_up_at, '7 days', 3, '2026-01-27') AS bits
            FROM rt_customers c LEFT JOIN rt_events e ON e.customer_id = c.id
            GROUP BY c.id, c.signed_up_at) per_customer
      GROUP BY 1) x, retention_matrix(r, signed_up_at) m
ORDER BY cohort, period;

-- Retention modes, per customer before retention_agg.
-- On or after (Mixpanel's default): bit k set when active in k or later.
SELECT b, retention_on_or_after(b) FROM (VALUES (B'0100100'), (B'1'), (B'000'), (B''), (B'0000001')) v(b);
-- Custom brackets '{1,2,4,8}': [1,2), [2,4), [4,8); a bracket is in the
-- result only once every period of it is observed (within the string).
SELECT b, retention_brackets(b, '{1,2,4,8}') AS brackets
FROM (VALUES (B'01001001'), (B'0100100'), (B'0001'), (B'1'), (B'00000001111')) v(b);
SELECT retention_brackets(B'1010', '{0,1,2,3,4}') AS unit_brackets, retention_brackets(B'1010', '{0,4}') AS one_bracket;
SELECT retention_brackets(B'1010', '{1}');
SELECT retention_brackets(B'1010', '{}');
SELECT retention_brackets(B'1010', '{1,1}');
SELECT retention_brackets(B'1010', '{2,1}');
SELECT retention_brackets(B'1010', '{-1,1}');
SELECT retention_brackets(B'1010', '{1,10001}');
SELECT retention_brackets(B'1010', '{1,NULL}');
SELECT retention_brackets(B'1010', '{{1,2},{3,4}}');
SELECT retention_brackets(B'1010', NULL) IS NULL AS strict;
-- a cohort's on-or-after and bracket retention
SELECT rollup(r) FILTER (WHERE mode = 'on') AS on_period,
       rollup(r) FILTER (WHERE mode = 'on_or_after') AS on_or_after,
       rollup(r) FILTER (WHERE mode = 'brackets') AS brackets
FROM (SELECT 'on' AS mode, retention_agg(b) AS r FROM (VALUES (B'10010'), (B'1100'), (B'101')) v(b)
      UNION ALL SELECT 'on_or_after', retention_agg(retention_on_or_after(b)) FROM (VALUES (B'10010'), (B'1100'), (B'101')) v(b)
      UNION ALL SELECT 'brackets', retention_agg(retention_brackets(b, '{1,2,4}')) FROM (VALUES (B'10010'), (B'1100'), (B'101')) v(b)) x;

-- Forced parallel plans give the same answers as serial ones.
CREATE TABLE rt_big AS
SELECT u AS uid, timestamptz '2026-01-01' + ((u * 7919 + i * 104729) % (60 * 24)) * interval '1 hour' AS ts
FROM generate_series(1, 4000) u, generate_series(1, 12) i WHERE (u + i) % 5 <> 0;
ANALYZE rt_big;
CREATE TEMP TABLE rt_serial AS
SELECT uid, retention(ts < '2026-01-08', ts >= '2026-01-08' AND ts < '2026-01-15', ts >= '2026-02-01') AS r,
       active_periods(ts, true, '2026-01-01', '7 days', 9) AS bits
FROM rt_big GROUP BY uid;
SELECT rollup(x) AS serial_total FROM (SELECT retention_agg(bits) AS x FROM rt_serial) s;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
\i test/force_parallel_on.psql
SET enable_hashagg = off;
EXPLAIN (COSTS OFF)
SELECT uid, retention(ts < '2026-01-08', ts >= '2026-02-01'), active_periods(ts, true, '2026-01-01', '7 days', 9)
FROM rt_big GROUP BY uid;
SELECT count(*) AS differences FROM (
  (SELECT uid, retention(ts < '2026-01-08', ts >= '2026-01-08' AND ts < '2026-01-15', ts >= '2026-02-01'),
          active_periods(ts, true, '2026-01-01', '7 days', 9)
   FROM rt_big GROUP BY uid EXCEPT SELECT * FROM rt_serial)
  UNION ALL
  (SELECT * FROM rt_serial
   EXCEPT SELECT uid, retention(ts < '2026-01-08', ts >= '2026-01-08' AND ts < '2026-01-15', ts >= '2026-02-01'),
                 active_periods(ts, true, '2026-01-01', '7 days', 9)
          FROM rt_big GROUP BY uid)) d;
-- ungrouped: every partial state goes through the combine functions
EXPLAIN (COSTS OFF)
SELECT retention(ts < '2026-01-08', ts >= '2026-02-01'), active_periods(ts, true, '2026-01-01', '7 days', 9) FROM rt_big;
SELECT retention(ts < '2026-01-08', ts >= '2026-01-08' AND ts < '2026-01-15', ts >= '2026-03-01') AS r,
       active_periods(ts, true, '2026-01-01', '7 days', 9) AS bits FROM rt_big;
-- retention_agg over a regular table of bit strings, in parallel
CREATE TABLE rt_bits AS SELECT * FROM rt_serial;
ANALYZE rt_bits;
EXPLAIN (COSTS OFF) SELECT retention_agg(bits) FROM rt_bits;
SELECT retention_agg(bits) AS parallel_total FROM rt_bits;
RESET ALL;

DROP TABLE retention_test, rt_customers, rt_events, rt_big, rt_bits;

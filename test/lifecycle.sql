-- Properties of lifecycle_stage, retention, active_periods, retention_agg
-- and period_lifecycle on random data, against plain-SQL references.
BEGIN;
SELECT plan(20);
SET LOCAL timezone = 'UTC';
SELECT setseed(0.6);

-- 3,000 customers, 0..30 events each over 200 days, random flags
CREATE TEMP TABLE ev AS
SELECT c AS customer,
       timestamptz '2025-06-01' + random() * interval '200 days' AS ts,
       random() < 0.15 AS is_act, random() < 0.6 AS is_use
FROM generate_series(1, 3000) c, LATERAL generate_series(1, (random() * 30)::int + (c * 0)) i;
CREATE INDEX ON ev (customer, ts);
ANALYZE ev;

-- reference stage for one (as_of, d, c), following the documented definitions
CREATE FUNCTION pg_temp.ref_stages(as_of timestamptz, d interval, ch interval)
RETURNS TABLE (customer int, stage lifecycle_stage) LANGUAGE sql AS $$
  SELECT a.customer,
         (CASE WHEN a.act IS NULL THEN 'prospect'
              WHEN u.last_use IS NULL THEN 'activated_unused'
              WHEN u.last_use > as_of - d THEN
                   CASE WHEN u.first_in_window - u.before_window > d THEN 'resurrected' ELSE 'active' END
              WHEN u.last_use > as_of - ch THEN 'dormant'
              ELSE 'churned' END)::lifecycle_stage
  FROM (SELECT ev.customer, min(ts) FILTER (WHERE is_act AND ts <= as_of) AS act FROM ev GROUP BY ev.customer) a
  LEFT JOIN LATERAL (
        SELECT max(e.ts) AS last_use,
               max(e.ts) FILTER (WHERE e.ts <= as_of - d) AS before_window,
               min(e.ts) FILTER (WHERE e.ts > as_of - d) AS first_in_window
        FROM ev e WHERE e.customer = a.customer AND e.is_use AND e.ts >= a.act AND e.ts <= as_of) u ON true
$$;

SELECT is_empty($$
  SELECT customer, lifecycle_stage(ts, is_act, is_use, '2025-11-01', '7 days', '30 days') FROM ev GROUP BY customer
  EXCEPT SELECT * FROM pg_temp.ref_stages('2025-11-01', '7 days', '30 days')
$$, 'lifecycle_stage matches the SQL reference (as_of inside the data, 7/30 days)');
SELECT is_empty($$
  SELECT customer, lifecycle_stage(ts, is_act, is_use, '2025-09-15 12:34:56.789', '3 days 5 hours', '50 days') FROM ev GROUP BY customer
  EXCEPT SELECT * FROM pg_temp.ref_stages('2025-09-15 12:34:56.789', '3 days 5 hours', '50 days')
$$, 'lifecycle_stage matches the SQL reference (odd windows)');
SELECT is_empty($$
  SELECT customer, lifecycle_stage(ts, is_act, is_use, '2026-03-01', '14 days', '45 days') FROM ev GROUP BY customer
  EXCEPT SELECT * FROM pg_temp.ref_stages('2026-03-01', '14 days', '45 days')
$$, 'lifecycle_stage matches the SQL reference (as_of after the data)');
SELECT cmp_ok((SELECT count(DISTINCT s) FROM (SELECT lifecycle_stage(ts, is_act, is_use, '2025-11-01', '7 days', '30 days') s
                                              FROM ev GROUP BY customer) x), '=', 6::bigint,
              'the random data reaches all six stages');
SELECT is_empty($$
  SELECT customer FROM ev GROUP BY customer
  HAVING lifecycle_stage(ts, is_act, is_use, '2025-11-01', '7 days', '30 days' ORDER BY random())
         IS DISTINCT FROM lifecycle_stage(ts, is_act, is_use, '2025-11-01', '7 days', '30 days' ORDER BY ts)
$$, 'lifecycle_stage does not depend on row order');

-- retention: the ClickHouse contract against bool_or
SELECT is_empty($$
  SELECT customer FROM ev GROUP BY customer
  HAVING retention(is_act, is_use, ts > '2025-10-01', is_act AND is_use) IS DISTINCT FROM
         ARRAY[bool_or(is_act)::int,
               (bool_or(is_act) AND bool_or(is_use))::int,
               (bool_or(is_act) AND bool_or(ts > '2025-10-01'))::int,
               (bool_or(is_act) AND bool_or(is_act AND is_use))::int]
$$, 'retention(c1..c4) = [any c1, any c1 and any c_i]');

-- active_periods against bits built in SQL
SELECT is_empty($$
  SELECT customer, active_periods(ts, is_use, '2025-07-01', '10 days', 15) FROM ev GROUP BY customer
  EXCEPT
  SELECT c.customer,
         string_agg(CASE WHEN EXISTS (SELECT 1 FROM ev e WHERE e.customer = c.customer AND e.is_use
                                        AND e.ts >= timestamptz '2025-07-01' + k * interval '10 days'
                                        AND e.ts < timestamptz '2025-07-01' + (k + 1) * interval '10 days')
                         THEN '1' ELSE '0' END, '' ORDER BY k)::varbit
  FROM (SELECT DISTINCT customer FROM ev) c, generate_series(0, 14) k GROUP BY c.customer
$$, 'active_periods sets exactly the periods with an active row');

-- retention_agg counts customers and bits
CREATE TEMP TABLE bits AS
SELECT customer, active_periods(ts, is_use, '2025-07-01', '10 days', 15) AS b FROM ev GROUP BY customer;
SELECT is(
  (SELECT retention_agg(b)::text FROM bits),
  (SELECT 'customers=' || (SELECT count(*) FROM bits) || ' active=' ||
          string_agg((SELECT count(*) FROM bits WHERE get_bit(b, k) = 1)::text, ',' ORDER BY k)
   FROM generate_series(0, 14) k),
  'retention_agg counts customers and customers active per period');
SELECT is(
  (SELECT rollup(r)::text FROM (SELECT retention_agg(b) AS r FROM bits GROUP BY customer % 7) x),
  (SELECT retention_agg(b)::text FROM bits),
  'rollup of parts equals the whole');
SELECT is_empty($$
  SELECT r FROM (SELECT retention_agg(b) AS r FROM bits GROUP BY customer % 13) x
  WHERE r::text::cohort_retention::text IS DISTINCT FROM r::text
$$, 'cohort_retention text round trip');
SELECT is(
  (SELECT array_agg(m.share ORDER BY m.period) FROM (SELECT retention_agg(b) AS r FROM bits) x, retention_matrix(x.r) m),
  (SELECT array_agg((SELECT count(*) FROM bits WHERE get_bit(b, k) = 1)::float8 / (SELECT count(*) FROM bits) ORDER BY k)
   FROM generate_series(0, 14) k),
  'retention_matrix shares are active / customers');

-- period_lifecycle against the PostHog definitions written in SQL
SELECT is_empty($$
  WITH p AS (
    SELECT customer, b, min(ts) AS first_seen FROM ev JOIN bits USING (customer) GROUP BY customer, b)
  (SELECT customer, l.period_start, l.status FROM p, period_lifecycle(b, first_seen, '2025-07-01', '10 days') l
   EXCEPT
   SELECT customer, timestamptz '2025-07-01' + k * interval '10 days',
          CASE WHEN get_bit(b, k) = 1 AND first_seen >= timestamptz '2025-07-01' + k * interval '10 days'
                    AND first_seen < timestamptz '2025-07-01' + (k + 1) * interval '10 days' THEN 'new'
               WHEN get_bit(b, k) = 1 AND get_bit(b, k - 1) = 1 THEN 'returning'
               WHEN get_bit(b, k) = 1 THEN 'resurrecting'
               WHEN get_bit(b, k - 1) = 1 THEN 'dormant' END
   FROM p, generate_series(1, 14) k WHERE get_bit(b, k) = 1 OR get_bit(b, k - 1) = 1)
$$, 'period_lifecycle follows the PostHog definitions');

-- errors
SELECT throws_ok($$SELECT lifecycle_stage(ts, is_act, is_use, now(), '30 days', '7 days') FROM ev$$,
                 '22023', 'churned_after must be longer than dormant_after', 'inverted windows');
SELECT throws_ok($$SELECT lifecycle_stage(ts, is_act, is_use, now(), '-1 hour', '7 days') FROM ev$$,
                 '22023', 'dormant_after must be positive', 'negative dormant_after');
SELECT throws_ok($$SELECT lifecycle_stage(ts, is_act, is_use, now(), NULL, '7 days') FROM ev$$,
                 '22004', NULL, 'NULL window');
SELECT throws_ok($$SELECT 'customers=2 active=3'::cohort_retention$$, '22P02', NULL, 'active above customers');
-- cohort_retention round trips (text and binary, both ways, on mutants
-- too; see test/roundtrip.psql) over values retention_agg and rollup make
-- from extreme inputs: origins at 4713 BC, events at 294276 AD, periods of
-- one microsecond and of the 64-bit limit, 10000 periods, and counts near
-- 2^63.
\i test/roundtrip.psql
CREATE TEMP TABLE extreme_bits AS
SELECT k, active_periods(ts, true, o, p, n) AS bits, p
FROM (VALUES
  (1, timestamptz '4713-01-01 00:00:00+00 BC', timestamptz '4713-01-01 00:00:00+00 BC', interval '1 microsecond', 3),
  (2, '294276-12-31 23:59:59.999999+00', '4713-01-01 00:00:00+00 BC', '106751991 days 04:00:54.775807', 2),
  (3, '294276-12-31 23:59:59.999999+00', '294276-12-31 23:59:59.999998+00', '1 microsecond', 10000),
  (4, '2026-01-01', '2025-01-01', '1 week', 60)) v(k, ts, o, p, n)
GROUP BY k, p;
CREATE TEMP TABLE extreme_cohorts AS
SELECT retention_agg(bits, p)::text AS v FROM extreme_bits GROUP BY k
UNION ALL SELECT retention_agg(bits)::text FROM extreme_bits GROUP BY k
UNION ALL SELECT rollup(r)::text FROM (SELECT k, retention_agg(bits, p) AS r FROM extreme_bits, generate_series(1, 3) g
                                      GROUP BY k, g) x GROUP BY k
UNION ALL VALUES
  ('customers=9223372036854775807 active=9223372036854775807,0,9223372036854775806 period_us=9223372036854775807'),
  ('customers=9223372036854775807 active=1'), ('customers=0 active=0 period_us=1');
SELECT is((SELECT count(*) FROM extreme_cohorts WHERE pg_temp.rt_text('cohort_retention', v) IS DISTINCT FROM v), 0::bigint,
          'cohort_retention: text output of extreme values parses back to the same value');
SELECT is((SELECT count(*) FROM extreme_cohorts
           WHERE pg_temp.rt_recv('cohort_retention', pg_temp.rt_send('cohort_retention', v)) IS DISTINCT FROM v), 0::bigint,
          'cohort_retention: binary output of extreme values reads back to the same value');
SELECT is((SELECT count(*) FROM (SELECT pg_temp.rt_recv('cohort_retention', m) AS t
                                 FROM (SELECT v FROM extreme_cohorts WHERE length(v) < 2000) x,
                                      pg_temp.rt_mutants(pg_temp.rt_send('cohort_retention', v), 20) m) y
           WHERE t IS NOT NULL AND pg_temp.rt_text('cohort_retention', t) IS DISTINCT FROM t), 0::bigint,
          'cohort_retention: every binary value recv accepts, the text input accepts');
SELECT is((SELECT count(*) FROM (SELECT pg_temp.rt_text('cohort_retention', m) AS t
                                 FROM (SELECT v FROM extreme_cohorts WHERE length(v) < 2000) x,
                                      pg_temp.rt_text_mutants(v, 20) m) y
           WHERE t IS NOT NULL AND pg_temp.rt_recv('cohort_retention', pg_temp.rt_send('cohort_retention', t)) IS DISTINCT FROM t), 0::bigint,
          'cohort_retention: every text value the input accepts, recv accepts');

SELECT * FROM finish();
ROLLBACK;

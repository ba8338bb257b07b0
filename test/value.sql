-- Revenue per period and per cohort on random data with incomplete
-- cohorts, against plain-SQL references: value_periods, cohort_value,
-- cohort_value_matrix, payback_period; the journey form; serial against
-- forced parallel against a rollup of parts; round trips of cohort_value.
BEGIN;
SELECT plan(14);
SET LOCAL timezone = 'UTC';
SELECT setseed(0.29);

-- 2,000 customers signing up over 100 days, 0..15 orders each over the
-- 120 days after signup (amounts with 0..2 decimals, some refunds); the
-- data ends (as_of) on 2026-04-01.
CREATE TEMP TABLE vc AS
SELECT c AS customer, timestamptz '2026-01-01' + random() * interval '100 days' AS signed_up_at
FROM generate_series(1, 2000) c;
CREATE TEMP TABLE vo AS
SELECT customer, signed_up_at + random() * interval '120 days' AS ts,
       round((random() * 200 - 20)::numeric, (random() * 2)::int) AS amount
FROM vc, LATERAL generate_series(1, (random() * 15)::int + (customer * 0)) i;
INSERT INTO vo SELECT customer, signed_up_at + interval '1 day', NULL FROM vc WHERE customer % 11 = 0;
ANALYZE vc; ANALYZE vo;

CREATE TEMP TABLE ref_obs AS
SELECT customer, signed_up_at, date_trunc('week', signed_up_at) AS cohort,
       least(10, greatest(0, floor(extract(epoch FROM timestamptz '2026-04-01' - signed_up_at) / 604800)))::int AS obs
FROM vc;
-- revenue per customer and observed period: sum() FILTER per period, in plain SQL
CREATE TEMP TABLE ref_rev AS
SELECT o.customer, o.cohort, g AS k,
       coalesce(sum(v.amount) FILTER (WHERE v.ts >= o.signed_up_at + g * interval '7 days'
                                        AND v.ts < o.signed_up_at + (g + 1) * interval '7 days'), 0) AS revenue
FROM ref_obs o JOIN generate_series(0, 9) g ON g < o.obs LEFT JOIN vo v USING (customer)
GROUP BY o.customer, o.cohort, g;

CREATE TEMP TABLE vals AS
SELECT c.customer, date_trunc('week', c.signed_up_at) AS cohort,
       value_periods(v.ts, v.amount, c.signed_up_at, '7 days', 10, '2026-04-01') AS v
FROM vc c LEFT JOIN vo v USING (customer) GROUP BY c.customer, c.signed_up_at;

SELECT is_empty($$
  SELECT customer, v FROM vals
  EXCEPT
  SELECT o.customer, coalesce((SELECT array_agg(r.revenue ORDER BY r.k) FROM ref_rev r WHERE r.customer = o.customer), '{}')
  FROM ref_obs o
$$, 'value_periods(..., as_of): one exact sum per observed period, as sum() FILTER per period');
SELECT cmp_ok((SELECT count(DISTINCT cardinality(v)) FROM vals), '>=', 9::bigint,
              'the random data has customers observed for many different numbers of periods');

CREATE TEMP TABLE cohorts AS SELECT cohort, cohort_value(v) AS cv FROM vals GROUP BY cohort;
CREATE TEMP TABLE ref_matrix AS
SELECT r.cohort, r.k AS period, count(*) AS observed, count(*) FILTER (WHERE r.revenue > 0) AS paying,
       sum(r.revenue) AS revenue,
       sum((SELECT sum(r2.revenue) FROM ref_rev r2 WHERE r2.customer = r.customer AND r2.k <= r.k)) AS cumulative
FROM ref_rev r GROUP BY r.cohort, r.k;
SELECT is_empty($$
  (SELECT cohort, period, observed, paying, revenue, revenue_per_customer, cumulative_per_customer
   FROM cohorts, cohort_value_matrix(cv)
   EXCEPT SELECT cohort, period, observed, paying, revenue, revenue / observed, cumulative / observed FROM ref_matrix)
  UNION ALL
  (SELECT cohort, period, observed, paying, revenue, revenue / observed, cumulative / observed FROM ref_matrix
   EXCEPT SELECT cohort, period, observed, paying, revenue, revenue_per_customer, cumulative_per_customer
          FROM cohorts, cohort_value_matrix(cv))
$$, 'cohort_value_matrix: observed, paying, revenue, per customer and cumulative per customer observed, as the reference');
SELECT cmp_ok((SELECT count(*) FROM cohorts WHERE (SELECT count(*) FROM cohort_value_matrix(cv)) < 10), '>', 0::bigint,
              'some cohorts are incomplete (their curve stops before 10 periods)');
SELECT is_empty($$
  SELECT cohort FROM cohorts WHERE cohort_size(cv) <> (SELECT count(*) FROM vc WHERE date_trunc('week', signed_up_at) = cohort)
$$, 'cohort_size counts every customer, observed or not');

-- payback against the reference: the first period with cumulative * margin >= cost * observed
SELECT is_empty($$
  SELECT c.cohort, x.cost, x.margin FROM cohorts c,
         (VALUES (0::numeric, 1::float8), (50, 0.3), (120, 0.5), (200.5, 0.75), (1000, 0.9)) x(cost, margin)
  WHERE payback_period(c.cv, x.cost, x.margin) IS DISTINCT FROM
        (SELECT min(m.period) FROM ref_matrix m
         WHERE m.cohort = c.cohort AND m.cumulative * x.margin::numeric >= x.cost * m.observed)
$$, 'payback_period: the first period whose cumulative margin per customer covers the cost, as the reference');
SELECT ok((SELECT bool_or(p IS NULL) AND count(DISTINCT p) >= 2
           FROM (SELECT payback_period(cv, 120, 0.5) AS p FROM cohorts) x),
          'the paybacks differ between cohorts, and incomplete cohorts have none yet');

-- stored journeys give the same arrays
SELECT is_empty($$
  SELECT c.customer FROM vc c
  LEFT JOIN (SELECT customer, journey_agg(ts, 'order', amount) AS j FROM vo GROUP BY customer) jr USING (customer)
  JOIN vals USING (customer)
  WHERE value_periods(jr.j, 'order', c.signed_up_at, '7 days', 10, '2026-04-01') IS DISTINCT FROM vals.v
$$, 'value_periods(journey, label, ..., as_of) equals the row aggregate');

-- serial = forced parallel = rollup of parts
CREATE TABLE vt_tap_orders AS SELECT v.*, c.signed_up_at FROM vo v JOIN vc c USING (customer);
CREATE TABLE vt_tap_vals AS SELECT customer, v FROM vals;
ANALYZE vt_tap_orders; ANALYZE vt_tap_vals;
CREATE TEMP TABLE serial AS SELECT cohort_value(v)::text AS t FROM vt_tap_vals;
CREATE TEMP TABLE serial_vals AS
SELECT customer, value_periods(ts, amount, signed_up_at, '7 days', 10, '2026-04-01') AS v
FROM vt_tap_orders GROUP BY customer, signed_up_at;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL enable_hashagg = off;
\i test/force_parallel_on.psql
SELECT is_empty($$
  SELECT customer, value_periods(ts, amount, signed_up_at, '7 days', 10, '2026-04-01')
  FROM vt_tap_orders GROUP BY customer, signed_up_at
  EXCEPT SELECT * FROM serial_vals
$$, 'value_periods: forced parallel = serial');
SELECT is((SELECT cohort_value(v)::text FROM vt_tap_vals), (SELECT t FROM serial), 'cohort_value: forced parallel = serial');
SELECT is((SELECT rollup(cv)::text FROM (SELECT cohort_value(v) AS cv FROM vt_tap_vals GROUP BY customer % 7) p),
          (SELECT t FROM serial), 'cohort_value: rollup of parts = whole');
\i test/force_parallel_off.psql

-- round trips
\i test/roundtrip.psql
SELECT is((SELECT count(*) FROM (SELECT cv::text AS t FROM cohorts UNION ALL SELECT t FROM serial
                                 UNION ALL VALUES ('customers=0 observed= paying= revenue= cumulative='),
                                 ('customers=9223372036854775807 observed=9223372036854775807 paying=0 revenue=170141183460469231731687303715884105727 cumulative=-0.00000000000000000001')) x
           WHERE pg_temp.rt_text('cohort_value', t) IS DISTINCT FROM t
              OR pg_temp.rt_recv('cohort_value', pg_temp.rt_send('cohort_value', t)) IS DISTINCT FROM t), 0::bigint,
          'cohort_value: text and binary round trips');
SELECT is((SELECT count(*) FROM (SELECT pg_temp.rt_recv('cohort_value', m) AS t
                                 FROM (SELECT cv::text AS v FROM cohorts LIMIT 5) x,
                                      pg_temp.rt_mutants(pg_temp.rt_send('cohort_value', v), 30) m) y
           WHERE t IS NOT NULL AND pg_temp.rt_text('cohort_value', t) IS DISTINCT FROM t), 0::bigint,
          'cohort_value: every mutated binary value recv accepts, the text input accepts');

-- numeric has infinities from PostgreSQL 14 on (so this is not in the
-- pg_regress file, which runs on 13 too)
SELECT throws_ok($$SELECT value_periods(timestamptz '2026-01-02', 'infinity'::numeric, '2026-01-01', '7 days', 4)$$,
  '22023', 'amount must be a finite number', 'an infinite amount is an error');

SELECT * FROM finish();
ROLLBACK;

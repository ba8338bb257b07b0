-- Observed-period retention, on-or-after and bracket retention on random
-- data with incomplete cohorts, against plain-SQL references; serial
-- against forced parallel against a rollup of parts; round trips of the
-- values with observed counts.
BEGIN;
SELECT plan(16);
SET LOCAL timezone = 'UTC';
SELECT setseed(0.13);

-- 2,000 customers signing up over 120 days; 0..25 events each over the
-- 150 days after their signup; the data ends (as_of) on 2026-04-20, so
-- the cohorts of the last weeks are incomplete.
CREATE TEMP TABLE rc AS
SELECT c AS customer, timestamptz '2026-01-01' + random() * interval '120 days' AS signed_up_at
FROM generate_series(1, 2000) c;
CREATE TEMP TABLE re AS
SELECT customer, signed_up_at + random() * interval '150 days' AS ts, random() < 0.7 AS is_use
FROM rc, LATERAL generate_series(1, (random() * 25)::int + (customer * 0)) i;
-- a few events before signup (ignored) and after as_of (unobserved)
INSERT INTO re SELECT customer, signed_up_at - interval '1 day', true FROM rc WHERE customer % 17 = 0;
ANALYZE rc; ANALYZE re;

-- per customer and period, in plain SQL: the observed periods and the active ones
CREATE TEMP TABLE ref_obs AS
SELECT customer, signed_up_at, date_trunc('week', signed_up_at) AS cohort,
       least(12, greatest(0, floor(extract(epoch FROM timestamptz '2026-04-20' - signed_up_at) / 604800)))::int AS obs
FROM rc;
CREATE TEMP TABLE ref_act AS
SELECT DISTINCT e.customer, floor(extract(epoch FROM e.ts - o.signed_up_at) / 604800)::int AS k
FROM re e JOIN ref_obs o USING (customer)
WHERE e.is_use AND e.ts >= o.signed_up_at
  AND floor(extract(epoch FROM e.ts - o.signed_up_at) / 604800) < o.obs;

CREATE TEMP TABLE bits AS
SELECT c.customer, date_trunc('week', c.signed_up_at) AS cohort,
       active_periods(e.ts, e.is_use, c.signed_up_at, '7 days', 12, '2026-04-20') AS b,
       active_periods(e.ts, e.is_use, c.signed_up_at, '7 days', 12) AS b_all
FROM rc c LEFT JOIN re e USING (customer) GROUP BY c.customer, c.signed_up_at;

SELECT is_empty($$
  SELECT customer, b FROM bits
  EXCEPT
  SELECT o.customer, coalesce((SELECT string_agg(CASE WHEN EXISTS (SELECT 1 FROM ref_act a WHERE a.customer = o.customer AND a.k = g)
                                                      THEN '1' ELSE '0' END, '' ORDER BY g)
                               FROM generate_series(0, o.obs - 1) g), '')::varbit
  FROM ref_obs o
$$, 'active_periods(..., as_of): one bit per observed period, set exactly where an active row falls');
SELECT cmp_ok((SELECT count(DISTINCT length(b)) FROM bits), '>=', 10::bigint,
              'the random data has customers observed for many different numbers of periods');

-- observed-period retention per cohort against the reference
CREATE TEMP TABLE ref_matrix AS
SELECT o.cohort, g AS period, count(*) FILTER (WHERE o.obs > g) AS observed,
       count(*) FILTER (WHERE o.obs > g AND EXISTS (SELECT 1 FROM ref_act a WHERE a.customer = o.customer AND a.k = g)) AS active
FROM ref_obs o, generate_series(0, 11) g GROUP BY o.cohort, g;
CREATE TEMP TABLE cohorts AS
SELECT cohort, retention_agg(b, '7 days') AS r, retention_agg(retention_on_or_after(b)) AS r_after,
       retention_agg(retention_brackets(b, '{1,2,4,8,12}')) AS r_brackets, retention_agg(b_all) AS r_all
FROM bits GROUP BY cohort;
SELECT is_empty($$
  (SELECT cohort, period, observed, active, share FROM cohorts, retention_matrix(r, cohort)
   EXCEPT SELECT cohort, period, observed, active, active::float8 / observed FROM ref_matrix WHERE observed > 0)
  UNION ALL
  (SELECT cohort, period, observed, active, active::float8 / observed FROM ref_matrix WHERE observed > 0
   EXCEPT SELECT cohort, period, observed, active, share FROM cohorts, retention_matrix(r, cohort))
$$, 'retention_matrix: observed, active and share = active / observed per cohort and period, as the reference');
SELECT is_empty($$
  SELECT c.cohort, m.period FROM cohorts c JOIN ref_matrix m USING (cohort)
  WHERE retention_share(c.r, m.period) IS DISTINCT FROM (CASE WHEN m.observed > 0 THEN m.active::float8 / m.observed END)
     OR retention_share(c.r, 12) IS NOT NULL
$$, 'retention_share: active / observed, NULL where nobody was observed and past the last period');
SELECT ok((SELECT bool_and(period_start = cohort + period * interval '7 days')
           FROM cohorts, retention_matrix(r, cohort)), 'period_start = cohort_start + k * period');
SELECT cmp_ok((SELECT count(*) FROM ref_matrix WHERE observed = 0), '>', 0::bigint,
              'some cohorts are incomplete (periods nobody in them completed)');
SELECT is_empty($$
  SELECT cohort FROM cohorts WHERE cohort_size(r) <> (SELECT count(*) FROM rc WHERE date_trunc('week', signed_up_at) = cohort)
$$, 'cohort_size counts every customer, observed or not');
-- without as_of nothing changes
SELECT is_empty($$
  SELECT cohort, period, customers, observed, active, share FROM cohorts, retention_matrix(r_all)
  WHERE observed <> customers OR share IS DISTINCT FROM active::float8 / nullif(customers, 0)
$$, 'without as_of every customer is observed in every period: share = active / customers as in 0.1.0');

-- on or after, against the reference
SELECT is_empty($$
  (SELECT cohort, period, observed, active FROM cohorts, retention_matrix(r_after)
   EXCEPT
   SELECT o.cohort, g, count(*) FILTER (WHERE o.obs > g),
          count(*) FILTER (WHERE o.obs > g AND EXISTS (SELECT 1 FROM ref_act a WHERE a.customer = o.customer AND a.k >= g))
   FROM ref_obs o, generate_series(0, 11) g GROUP BY o.cohort, g HAVING count(*) FILTER (WHERE o.obs > g) > 0)
$$, 'on-or-after retention: a customer counts in period k when active in any observed period >= k');
SELECT is(
  (SELECT count(*) FROM cohorts, retention_matrix(r_after)),
  (SELECT count(*) FROM ref_matrix WHERE observed > 0), 'on-or-after: one row per observed period');
-- brackets [1,2), [2,4), [4,8), [8,12), against the reference
CREATE TEMP TABLE ref_brackets AS
SELECT o.cohort, br.j AS period, count(*) FILTER (WHERE o.obs >= br.hi) AS observed,
       count(*) FILTER (WHERE o.obs >= br.hi AND EXISTS (SELECT 1 FROM ref_act a WHERE a.customer = o.customer
                                                          AND a.k >= br.lo AND a.k < br.hi)) AS active
FROM ref_obs o, (VALUES (0, 1, 2), (1, 2, 4), (2, 4, 8), (3, 8, 12)) br(j, lo, hi)
GROUP BY o.cohort, br.j HAVING count(*) FILTER (WHERE o.obs >= br.hi) > 0;
SELECT is_empty($$
  (SELECT cohort, period, observed, active FROM cohorts, retention_matrix(r_brackets) EXCEPT SELECT * FROM ref_brackets)
  UNION ALL
  (SELECT * FROM ref_brackets EXCEPT SELECT cohort, period, observed, active FROM cohorts, retention_matrix(r_brackets))
$$, 'bracket retention: a customer counts in a bracket when active in any period of it, once the bracket is observed');

-- stored journeys give the same bit strings
SELECT is_empty($$
  SELECT c.customer FROM rc c
  LEFT JOIN (SELECT customer, journey_agg(ts, CASE WHEN is_use THEN 'use' ELSE 'other' END) AS j FROM re GROUP BY customer) jr USING (customer)
  JOIN bits b USING (customer)
  WHERE active_periods(jr.j, '{use}', c.signed_up_at, '7 days', 12, '2026-04-20') IS DISTINCT FROM b.b
$$, 'active_periods(journey, ..., as_of) equals the row aggregate');

-- serial = forced parallel = rollup of parts
CREATE TABLE rt_tap_bits AS SELECT customer, cohort, b FROM bits;
ANALYZE rt_tap_bits;
CREATE TEMP TABLE serial AS SELECT retention_agg(b, '7 days')::text AS v FROM rt_tap_bits;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
\i test/force_parallel_on.psql
SELECT is((SELECT retention_agg(b, '7 days')::text FROM rt_tap_bits), (SELECT v FROM serial),
          'retention_agg with observed counts: forced parallel = serial');
SELECT is((SELECT rollup(r)::text FROM (SELECT retention_agg(b, '7 days') AS r FROM rt_tap_bits GROUP BY customer % 7) p),
          (SELECT v FROM serial), 'retention_agg with observed counts: rollup of parts = whole');
\i test/force_parallel_off.psql

-- round trips of the values
\i test/roundtrip.psql
SELECT is((SELECT count(*) FROM cohorts, LATERAL (VALUES (r::text), (r_after::text), (r_brackets::text)) v(t)
           WHERE pg_temp.rt_text('cohort_retention', t) IS DISTINCT FROM t
              OR pg_temp.rt_recv('cohort_retention', pg_temp.rt_send('cohort_retention', t)) IS DISTINCT FROM t), 0::bigint,
          'cohort_retention with observed counts: text and binary round trips');
SELECT is((SELECT count(*) FROM (SELECT pg_temp.rt_recv('cohort_retention', m) AS t
                                 FROM (SELECT r::text AS v FROM cohorts LIMIT 5) x,
                                      pg_temp.rt_mutants(pg_temp.rt_send('cohort_retention', v), 30) m) y
           WHERE t IS NOT NULL AND pg_temp.rt_text('cohort_retention', t) IS DISTINCT FROM t), 0::bigint,
          'cohort_retention: every mutated binary value recv accepts, the text input accepts');

SELECT * FROM finish();
ROLLBACK;

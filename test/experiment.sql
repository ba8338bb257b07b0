-- Properties of experiments and drivers on random data: assign_variant's
-- shares within sampling error of the weights (chi-square on 1M keys) and
-- independent between salts; merge of random parts equal to the whole, in
-- any order; the figures a plain-SQL query can give equal to it; text and
-- binary round trips, and hostile (mutated) text and binary input
-- rejected with a data-exception error or read back consistently.
BEGIN;
SELECT plan(18);
SELECT setseed(0.2026);
\i test/roundtrip.psql

-- assign_variant on 1,000,000 keys.  The chi-square statistic of the arm
-- counts against the weights has 2 degrees of freedom: its 0.999 quantile
-- is -2 ln(0.001) = 13.8155 (1 degree: 10.828).  The keys are fixed, so
-- the test is deterministic: it passes or fails the same way every run.
CREATE TEMP TABLE arms AS
SELECT i, assign_variant(i::text, 'welcome-2026', '{0.45,0.45,0.1}') AS welcome,
       assign_variant('customer-' || i, 'holdout-2026', '{0.95,0.05}') AS holdout
FROM generate_series(1, 1000000) i;
SELECT cmp_ok((SELECT sum((obs - e) ^ 2 / e) FROM (
                 SELECT count(*)::float8 AS obs, 1e6 * (ARRAY[0.45, 0.45, 0.1])[welcome] AS e FROM arms GROUP BY welcome) s),
              '<', 13.8155::float8, 'welcome split: chi-square of the arm counts below its 0.999 quantile');
SELECT cmp_ok((SELECT sum((obs - e) ^ 2 / e) FROM (
                 SELECT count(*)::float8 AS obs, 1e6 * (ARRAY[0.95, 0.05])[holdout] AS e FROM arms GROUP BY holdout) s),
              '<', 10.828::float8, '5% holdout: chi-square of the arm counts below its 0.999 quantile');
-- independence of two salts: the chi-square of the 3 x 2 table (2 degrees of freedom)
SELECT cmp_ok((SELECT sum((obs - e) ^ 2 / e) FROM (
                 SELECT count(*)::float8 AS obs,
                        (SELECT count(*) FROM arms b WHERE b.welcome = a.welcome)::float8
                        * (SELECT count(*) FROM arms b WHERE b.holdout = a.holdout) / 1e6 AS e
                 FROM arms a GROUP BY welcome, holdout) s),
              '<', 13.8155::float8, 'the welcome arm and the holdout are independent');
SELECT is((SELECT count(*) FROM arms WHERE welcome <> assign_variant(i::text, 'welcome-2026', '{0.45,0.45,0.1}') AND i <= 10000),
          0::bigint, 'the same unit always gets the same arm');
SELECT is((SELECT count(*) FROM arms WHERE i <= 10000
           AND welcome <> assign_variant(i::text, 'welcome-2026', '{4.5,4.5,1}')), 0::bigint,
          'weights are shares: scaling them changes no arm');

-- random units: three variants, values from tiny to huge and negative
CREATE TEMP TABLE units AS
SELECT i, (ARRAY['control', 'b', 'c'])[1 + (random() * 2.999)::int] AS variant,
       random() < 0.2 AS converted,
       CASE WHEN random() < 0.1 THEN NULL
            ELSE (random() - 0.3) * 10 ^ (random() * 12 - 6) END AS value,
       CASE WHEN random() < 0.1 THEN NULL ELSE random() * 100 END AS pre,
       1 + (random() * 9)::int AS part
FROM generate_series(1, 30000) i;

SELECT is((SELECT rollup(e)::text FROM (SELECT experiment_agg(variant, converted, value, pre) e FROM units GROUP BY part) s),
          (SELECT experiment_agg(variant, converted, value, pre)::text FROM units),
          'experiment: the merge of random parts is the whole, to the bit');
SELECT is((SELECT experiment_agg(variant, converted, value, pre ORDER BY random())::text FROM units),
          (SELECT experiment_agg(variant, converted, value, pre ORDER BY i)::text FROM units),
          'experiment: the order of the rows does not matter');
SELECT is((SELECT count(*) FROM (
             SELECT r.variant FROM experiment_report((SELECT experiment_agg(variant, converted, value, pre) FROM units), 'control') r
             JOIN (SELECT variant, count(*) AS n, count(*) FILTER (WHERE converted) AS c, avg(coalesce(value, 0)) AS m
                   FROM units GROUP BY variant) q USING (variant)
             WHERE r.n = q.n AND r.conversions = q.c AND r.rate = q.c::float8 / q.n
               AND abs(r.mean_value - q.m) <= 1e-12 * abs(q.m)) s), 3::bigint,
          'experiment: units, conversions, rates and means equal plain SQL');

-- z and the interval against their formulas in plain SQL (z* = 1.959963984540054)
SELECT is((SELECT count(*) FROM (
             SELECT r.*, q.n AS qn, q.c AS qc, c.n AS cn, c.c AS cc
             FROM experiment_report((SELECT experiment_agg(variant, converted, value, pre) FROM units), 'control') r
             JOIN (SELECT variant, count(*) AS n, count(*) FILTER (WHERE converted) AS c FROM units GROUP BY variant) q USING (variant),
                  (SELECT count(*) AS n, count(*) FILTER (WHERE converted) AS c FROM units WHERE variant = 'control') c
             WHERE variant <> 'control') s
           WHERE abs(z - (qc::float8 / qn - cc::float8 / cn)
                         / sqrt((qc + cc)::float8 / (qn + cn) * (1 - (qc + cc)::float8 / (qn + cn)) * (1.0 / qn + 1.0 / cn))) <= 1e-12 * abs(z)
             AND abs((diff_ci_low + diff_ci_high) / 2 - (qc::float8 / qn - cc::float8 / cn)) <= 1e-12
             AND abs((diff_ci_high - diff_ci_low) / 2
                     / sqrt(qc::float8 / qn * (1 - qc::float8 / qn) / qn + cc::float8 / cn * (1 - cc::float8 / cn) / cn)
                     - 1.959963984540054) <= 1e-12),
          2::bigint, 'experiment: z and the Wald interval equal their plain-SQL formulas');

-- round trips, and mutations of the text and binary forms
CREATE TEMP TABLE exp_values AS
SELECT experiment_agg(variant, converted, value, pre)::text AS v FROM units
UNION ALL SELECT experiment_agg(variant, converted)::text FROM units
UNION ALL SELECT experiment_agg(variant || '"\', converted, value)::text FROM units WHERE i < 100
UNION ALL SELECT 'v1 value=f pre=f arms=0';
SELECT is((SELECT count(*) FROM exp_values WHERE pg_temp.rt_text('experiment', v) IS DISTINCT FROM v
             OR pg_temp.rt_recv('experiment', pg_temp.rt_send('experiment', v)) IS DISTINCT FROM v), 0::bigint,
          'experiment: in(out(x)) = x and recv(send(x)) = x');
SELECT is((SELECT count(*) FROM (SELECT pg_temp.rt_recv('experiment', m) AS t
                                 FROM exp_values, pg_temp.rt_mutants(pg_temp.rt_send('experiment', v), 40) m) x
           WHERE t IS NOT NULL AND (pg_temp.rt_text('experiment', t) IS DISTINCT FROM t
                                    OR pg_temp.rt_recv('experiment', pg_temp.rt_send('experiment', t)) IS DISTINCT FROM t)),
          0::bigint, 'experiment: mutated binary input is rejected, or reads back as text and binary');
SELECT is((SELECT count(*) FROM (SELECT pg_temp.rt_text('experiment', m) AS t
                                 FROM exp_values, pg_temp.rt_text_mutants(v, 40) m) x
           WHERE t IS NOT NULL AND (pg_temp.rt_text('experiment', t) IS DISTINCT FROM t
                                    OR pg_temp.rt_recv('experiment', pg_temp.rt_send('experiment', t)) IS DISTINCT FROM t)),
          0::bigint, 'experiment: mutated text input is rejected, or reads back as text and binary');

-- drivers: random customers with up to 5 of 40 features
CREATE TEMP TABLE customers AS
SELECT i, random() < 0.15 AS converted,
       ARRAY(SELECT 'f' || (random() * 39)::int FROM generate_series(1, (random() * 5)::int + (i % 2) * 0)) AS features,
       1 + (random() * 9)::int AS part
FROM generate_series(1, 20000) i;
SELECT is((SELECT rollup(d)::text FROM (SELECT driver_agg(converted, features) d FROM customers GROUP BY part) s),
          (SELECT driver_agg(converted, features)::text FROM customers),
          'drivers: the merge of random parts is the whole');
SELECT is((SELECT count(*) FROM driver_report((SELECT driver_agg(converted, features) FROM customers), 0) r
           JOIN (SELECT f AS feature, count(DISTINCT i) AS w, count(DISTINCT i) FILTER (WHERE converted) AS c
                 FROM customers, unnest(features) f GROUP BY f) q USING (feature)
           WHERE r.with_feature = q.w AND r.converted_with = q.c
             AND r.without_feature = 20000 - q.w
             AND r.converted_without = (SELECT count(*) FROM customers WHERE converted) - q.c),
          (SELECT count(DISTINCT f) FROM customers, unnest(features) f),
          'drivers: the counts of every feature equal plain SQL');
CREATE TEMP TABLE drv_values AS
SELECT driver_agg(converted, features)::text AS v FROM customers
UNION ALL SELECT 'v1 n=0 conversions=0 features=0'
UNION ALL SELECT driver_agg(true, ARRAY['a"b\c', ''])::text;
SELECT is((SELECT count(*) FROM drv_values WHERE pg_temp.rt_text('drivers', v) IS DISTINCT FROM v
             OR pg_temp.rt_recv('drivers', pg_temp.rt_send('drivers', v)) IS DISTINCT FROM v), 0::bigint,
          'drivers: in(out(x)) = x and recv(send(x)) = x');
SELECT is((SELECT count(*) FROM (SELECT pg_temp.rt_recv('drivers', m) AS t
                                 FROM drv_values, pg_temp.rt_mutants(pg_temp.rt_send('drivers', v), 60) m) x
           WHERE t IS NOT NULL AND (pg_temp.rt_text('drivers', t) IS DISTINCT FROM t
                                    OR pg_temp.rt_recv('drivers', pg_temp.rt_send('drivers', t)) IS DISTINCT FROM t)),
          0::bigint, 'drivers: mutated binary input is rejected, or reads back as text and binary');
SELECT is((SELECT count(*) FROM (SELECT pg_temp.rt_text('drivers', m) AS t
                                 FROM drv_values, pg_temp.rt_text_mutants(v, 60) m) x
           WHERE t IS NOT NULL AND (pg_temp.rt_text('drivers', t) IS DISTINCT FROM t
                                    OR pg_temp.rt_recv('drivers', pg_temp.rt_send('drivers', t)) IS DISTINCT FROM t)),
          0::bigint, 'drivers: mutated text input is rejected, or reads back as text and binary');

-- Fisher's exact test against an exact PL/pgSQL reference on 400 random
-- small tables (cells 0..12): the hypergeometric terms as exact numeric
-- integers C(r1, x) C(r2, k - x), the two-sided sum over the terms at most
-- the observed one times 1 + 1e-7, divided by their total
CREATE FUNCTION pg_temp.choose(n int, k int) RETURNS numeric LANGUAGE sql IMMUTABLE AS
  'SELECT div(factorial(n), factorial(k) * factorial(n - k))';
CREATE FUNCTION pg_temp.fisher_ref(a int, b int, c int, d int) RETURNS float8 LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    r1 int := a + b; r2 int := c + d; k int := a + c;
    obs numeric := pg_temp.choose(a + b, a) * pg_temp.choose(c + d, c);
    total numeric := 0; sel numeric := 0; t numeric;
BEGIN
    FOR x IN greatest(0, k - r2) .. least(r1, k) LOOP
        t := pg_temp.choose(r1, x) * pg_temp.choose(r2, k - x);
        total := total + t;
        IF t <= obs * 1.0000001 THEN sel := sel + t; END IF;
    END LOOP;
    RETURN round(sel / total, 30)::float8;
END $$;
CREATE TEMP TABLE tables AS
SELECT g, (random() * 12)::int AS a, (random() * 12)::int AS b, (random() * 12)::int AS c, (random() * 12)::int AS d
FROM generate_series(1, 400) g;
SELECT is((SELECT count(*) FROM tables t,
                  driver_report(format('v1 n=%s conversions=%s features=1 "f" with=%s converted=%s',
                                       a + b + c + d, a + c, a + b, a)::drivers, 0) r
           WHERE a + b > 0 AND c + d > 0 AND a + c > 0 AND b + d > 0 AND r.test = 'fisher'
             AND abs(r.p_value - pg_temp.fisher_ref(a, b, c, d)) > 1e-12 * pg_temp.fisher_ref(a, b, c, d)),
          0::bigint, format('Fisher''s exact test equals an exact reference on %s random tables',
                            (SELECT count(*) FROM tables WHERE a + b > 0 AND c + d > 0 AND a + c > 0 AND b + d > 0
                               AND least(a + b, c + d) * least(a + c, b + d) < 5.0 * (a + b + c + d))));

SELECT * FROM finish();
ROLLBACK;

-- rfm properties on random populations: the window form equals an
-- independent SQL reference of the formula, equals NTILE when values are
-- distinct and n is a multiple of bins, and equals the model form; model
-- merges do not depend on how the population is split; text round trips.
BEGIN;
SELECT plan(38);
SELECT setseed(0.4242);

-- Memory first, while this backend's peak is still low: rfm_score(...)
-- OVER () over 300k rows may grow the peak resident memory (VmHWM) by at
-- most 40 bytes per row more than ntile(5) OVER () over the same rows.
-- 0.1.0 took 95 (48 bytes of sort pairs per row, and what the numeric to
-- float8 cast allocated for every row, never freed); 0.2.0 takes ~20.
CREATE TEMP TABLE mem_rows AS
SELECT timestamptz '2024-01-01' + (hashint4(i) % 100000) * interval '1 minute' AS ts,
       (1 + abs(hashint4(i + 1)) % 50)::float8 AS f, (abs(hashint4(i + 2)) % 100000 / 100.0)::numeric AS m
FROM generate_series(1, 300000) i;
CREATE FUNCTION pg_temp.peak_kb() RETURNS bigint LANGUAGE sql AS
  $$SELECT substring(pg_read_file('/proc/self/status') FROM 'VmHWM:\s*(\d+) kB')::bigint$$;
CREATE TEMP TABLE mem_peaks AS
SELECT (SELECT count(*) FROM (SELECT ntile(5) OVER () AS x, ts, f, m FROM mem_rows) s
        WHERE x IS NOT NULL AND ts IS NOT NULL AND f IS NOT NULL AND m IS NOT NULL) AS n, pg_temp.peak_kb() AS ntile_kb;
ALTER TABLE mem_peaks ADD COLUMN rfm_kb bigint;
UPDATE mem_peaks SET rfm_kb = (SELECT count(*) FROM (SELECT rfm_score(ts, f, m::float8) OVER () AS x, ts, f, m FROM mem_rows) s
                               WHERE x IS NOT NULL AND ts IS NOT NULL AND f IS NOT NULL AND m IS NOT NULL) * 0 + pg_temp.peak_kb();
SELECT cmp_ok((SELECT (rfm_kb - ntile_kb) * 1024 / n FROM mem_peaks), '<=', 40::bigint,
              'rfm_score(...) OVER () keeps at most 40 bytes per row more than ntile');

-- 40 populations (pop), each with its own bins (2..9) and size (1..400);
-- values drawn from small ranges so that ties are common; some NULLs.
CREATE TEMP TABLE pops AS
SELECT p AS pop, 2 + (random() * 7)::int AS bins, 1 + (random() * 399)::int AS n,
       1 + (random() * 60)::int AS spread
FROM generate_series(1, 40) p;
CREATE TEMP TABLE cust AS
SELECT pop, bins, i AS id,
       CASE WHEN random() < 0.03 THEN NULL
            ELSE timestamptz '2025-01-01' + (random() * spread)::int * interval '1 day' END AS last_purchase,
       CASE WHEN random() < 0.03 THEN NULL ELSE (random() * spread / 4)::bigint END AS orders,
       CASE WHEN random() < 0.03 THEN NULL ELSE round((random() * spread)::numeric, 1) END AS revenue
FROM pops, generate_series(1, n) i;

-- Reference: rank() - 1 counts the values strictly below; n counts the
-- rows without NULLs.
CREATE TEMP VIEW reference AS
WITH ok AS (SELECT * FROM cust WHERE last_purchase IS NOT NULL AND orders IS NOT NULL AND revenue IS NOT NULL),
ranked AS (
  SELECT pop, id, bins, count(*) OVER w AS n,
         rank() OVER (PARTITION BY pop ORDER BY last_purchase) - 1 AS r_below,
         rank() OVER (PARTITION BY pop ORDER BY orders) - 1 AS f_below,
         rank() OVER (PARTITION BY pop ORDER BY revenue) - 1 AS m_below
  FROM ok WINDOW w AS (PARTITION BY pop))
SELECT pop, id, rfm(least(bins, 1 + (bins * r_below) / n)::int, least(bins, 1 + (bins * f_below) / n)::int,
                   least(bins, 1 + (bins * m_below) / n)::int, bins) AS s
FROM ranked
UNION ALL
SELECT pop, id, NULL FROM cust WHERE last_purchase IS NULL OR orders IS NULL OR revenue IS NULL;

CREATE TEMP TABLE by_window AS
SELECT pop, id, rfm_score(last_purchase, orders, revenue, bins) OVER (PARTITION BY pop) AS s FROM cust;

SELECT set_eq('SELECT pop, id, s FROM by_window', 'SELECT pop, id, s FROM reference',
              'window form equals the rank() reference on 40 random populations with ties and NULLs');

SELECT is((SELECT count(*) FROM cust c JOIN by_window w USING (pop, id)
           WHERE (w.s IS NULL) <> (c.last_purchase IS NULL OR c.orders IS NULL OR c.revenue IS NULL)),
          0::bigint, 'a row scores NULL exactly when one of its values is NULL');

-- Equal values always get equal scores, whatever the row order.
SELECT is((SELECT count(*) FROM (
             SELECT pop, last_purchase FROM cust c JOIN by_window w USING (pop, id)
             WHERE w.s IS NOT NULL GROUP BY pop, last_purchase
             HAVING count(DISTINCT recency_score(w.s)) > 1) x), 0::bigint,
          'equal last_purchase values always get equal recency scores');
SELECT set_eq(
  'SELECT pop, id, s FROM by_window',
  'SELECT pop, id, rfm_score(last_purchase, orders, revenue, bins) OVER (PARTITION BY pop ORDER BY random()) FROM cust',
  'scores do not depend on row order');

-- The model gives the window''s scores on the same population.
CREATE TEMP TABLE models AS
SELECT pop, rfm_model(last_purchase, orders, revenue, bins) AS model FROM cust GROUP BY pop;
SELECT set_eq(
  'SELECT pop, id, s FROM by_window',
  'SELECT c.pop, c.id, rfm_score(m.model, c.last_purchase, c.orders, c.revenue) FROM cust c LEFT JOIN models m USING (pop)',
  'model form equals window form on 40 random populations');

-- NTILE: distinct values, n a multiple of bins.
CREATE TEMP TABLE distinct_pops AS
SELECT p AS pop, bins, bins * (1 + (random() * 40)::int) AS n
FROM (SELECT p, 2 + (random() * 7)::int AS bins FROM generate_series(1, 30) p) x;
CREATE TEMP TABLE distinct_cust AS
SELECT pop, bins, i AS id,
       timestamptz '2025-01-01' + row_number() OVER (PARTITION BY pop ORDER BY random()) * interval '1 hour' AS ts,
       row_number() OVER (PARTITION BY pop ORDER BY random()) AS f,
       row_number() OVER (PARTITION BY pop ORDER BY random()) * 0.01 AS m
FROM distinct_pops, generate_series(1, n) i;
SELECT set_eq(
  $$SELECT pop, id, rfm_score(ts, f, m, bins) OVER (PARTITION BY pop) FROM distinct_cust$$,
  $$SELECT pop, id, rfm(ntile(bins) OVER (PARTITION BY pop ORDER BY ts)::int,
                        ntile(bins) OVER (PARTITION BY pop ORDER BY f)::int,
                        ntile(bins) OVER (PARTITION BY pop ORDER BY m)::int, bins) FROM distinct_cust$$,
  'equals NTILE(bins) when values are distinct and n is a multiple of bins');

-- Big populations: the model leaves exact mode, and merging the models of
-- any split gives the model of the whole.
CREATE TEMP TABLE bigpop AS
SELECT i AS id, (random() * 4)::int AS part,
       timestamptz '2024-01-01' + random() * interval '400 days' AS ts,
       (random() * 50)::int AS f, round((exp(random() * 12))::numeric, 2) AS m
FROM generate_series(1, 40000) i;
CREATE TEMP TABLE whole AS SELECT rfm_model(ts, f, m) AS model FROM bigpop;
SELECT ok(NOT rfm_is_exact(model) AND rfm_population(model) = 40000, 'a 40,000-customer model is bounded (not exact)')
FROM whole;
SELECT is((SELECT rfm_model_merge(rfm_model_merge(a.model, b.model), rfm_model_merge(c.model, d.model))::text
           FROM (SELECT rfm_model(ts, f, m) AS model FROM bigpop WHERE part = 0) a,
                (SELECT rfm_model(ts, f, m) AS model FROM bigpop WHERE part = 1) b,
                (SELECT rfm_model(ts, f, m) AS model FROM bigpop WHERE part = 2) c,
                (SELECT rfm_model(ts, f, m) AS model FROM bigpop WHERE part IN (3, 4)) d),
          (SELECT model::text FROM whole), 'merged parts equal the whole model');
SELECT is((SELECT rfm_model(ts, f, m ORDER BY m DESC, id)::text FROM bigpop),
          (SELECT model::text FROM whole), 'the model does not depend on row order');
SELECT is((SELECT model::text::rfm_model::text FROM whole), (SELECT model::text FROM whole),
          'a bounded model round-trips through text');
SELECT is((SELECT count(*) FROM models WHERE model::text::rfm_model::text <> model::text), 0::bigint,
          'exact models round-trip through text');
-- bounded: scores differ from the window only near cut points
SELECT cmp_ok((SELECT count(*) FILTER (WHERE rfm_score((SELECT model FROM whole), ts, f, m) <> s)::float8 / count(*)
               FROM (SELECT *, rfm_score(ts, f, m) OVER () AS s FROM bigpop) x),
              '<', 0.01::float8, 'bounded model: fewer than 1% of scores differ from the exact window');

-- Every rfm value of every bins round-trips through text and orders like
-- (r, f, m, bins); the default map names every one of them.
CREATE TEMP TABLE all_rfm AS
SELECT rfm(r, f, m, b) AS v, r, f, m, b
FROM generate_series(2, 9) b, generate_series(1, 9) r, generate_series(1, 9) f, generate_series(1, 9) m
WHERE r <= b AND f <= b AND m <= b;
SELECT is((SELECT count(*) FROM all_rfm WHERE v::text::rfm <> v OR rfm_segment(v) IS NULL), 0::bigint,
          'all 2,024 rfm values round-trip through text and have a default segment');
SELECT is((SELECT count(*) FROM (SELECT v, row_number() OVER (ORDER BY v) a, row_number() OVER (ORDER BY r, f, m, b) b
                                 FROM all_rfm) x WHERE a <> b), 0::bigint, 'rfm orders by r, f, m, then bins');

-- Round trips (text and binary, both ways, on mutants too; see
-- test/roundtrip.psql) over every rfm value and over rfm_model values the
-- aggregate makes from extreme inputs: timestamps at 4713 BC, 294276 AD and
-- ±infinity, subnormal, huge, infinite and NaN doubles, -0, more than 4096
-- distinct values (coarsened keys), and counts near 2^63.
\i test/roundtrip.psql
CREATE TEMP TABLE all_rfm_values AS
SELECT rfm(r, f, m, b)::text AS v
FROM generate_series(2, 9) b, generate_series(1, b) r, generate_series(1, b) f, generate_series(1, b) m;
SELECT is((SELECT count(*) FROM all_rfm_values WHERE pg_temp.rt_text('rfm', v) IS DISTINCT FROM v
              OR pg_temp.rt_recv('rfm', pg_temp.rt_send('rfm', v)) IS DISTINCT FROM v), 0::bigint,
          'rfm: all 2024 values round-trip through text and binary');
SELECT is((SELECT count(*) FROM (SELECT pg_temp.rt_recv('rfm', m) AS t
                                 FROM (SELECT v FROM all_rfm_values ORDER BY random() LIMIT 100) x,
                                      pg_temp.rt_mutants(pg_temp.rt_send('rfm', v), 3) m) y
           WHERE t IS NOT NULL AND pg_temp.rt_text('rfm', t) IS DISTINCT FROM t), 0::bigint,
          'rfm: every binary value recv accepts, the text input accepts');

CREATE TEMP TABLE extreme_ts (ts timestamptz);
INSERT INTO extreme_ts VALUES ('4713-01-01 00:00:00+00 BC'), ('294276-12-31 23:59:59.999999+00'),
  ('infinity'), ('-infinity'), ('2000-01-01 00:00:00+00'), ('1970-01-01 00:00:00.000001+00');
CREATE TEMP TABLE extreme_x (x float8);
INSERT INTO extreme_x VALUES ('5e-324'), ('1e-310'), ('2.2250738585072014e-308'), ('-4.9e-324'),
  ('1.7976931348623157e308'), ('-1.7976931348623157e308'), ('1e300'), ('-0'), ('0'),
  ('Infinity'), ('-Infinity'), ('NaN'), ('0.1'), ('123456789.123456789');
CREATE TEMP TABLE extreme_models AS
SELECT rfm_model(t.ts, f.x, m.x)::text AS v FROM extreme_ts t, extreme_x f, extreme_x m
UNION ALL
SELECT rfm_model(t.ts, f.x, m.x, 9)::text FROM extreme_ts t, extreme_x f, extreme_x m WHERE f.x > 0
UNION ALL
SELECT rfm_model(ts, x, x)::text FROM extreme_ts, extreme_x GROUP BY ts
UNION ALL
SELECT rfm_model(timestamptz '4713-01-01 00:00:00+00 BC' + (random() * 9.2e18)::bigint * interval '1 microsecond',
                 (CASE WHEN i % 2 = 0 THEN -1 ELSE 1 END) * exp(random() * 1400 - 700) * random(),
                 CASE WHEN i % 97 = 0 THEN 'NaN' ELSE (random() * 1e6)::float8 END)::text
FROM generate_series(1, 6000) i
UNION ALL VALUES
  ('v2 bins=5 n=9223372036854775807 r=0:0*9223372036854775807 f=0:1*9223372036854775807 m=0:5e-324*9223372036854775807'),
  ('v2 bins=9 n=9223372036854775807 r=63:-9223372036854775808*9223372036854775806,0 f=0:-Infinity,NaN*9223372036854775806 m=52:-Infinity,1*9223372036854775806');
SELECT is((SELECT count(*) FROM extreme_models WHERE pg_temp.rt_text('rfm_model', v) IS DISTINCT FROM v), 0::bigint,
          'rfm_model: text output of extreme models parses back to the same value');
SELECT is((SELECT count(*) FROM extreme_models
           WHERE pg_temp.rt_recv('rfm_model', pg_temp.rt_send('rfm_model', v)) IS DISTINCT FROM v), 0::bigint,
          'rfm_model: binary output of extreme models reads back to the same value');
SELECT ok((SELECT bool_or(v LIKE '%-211810204800000000%') AND bool_or(v LIKE '%9223371331199999999%')
                  AND bool_or(v LIKE '%5e-324%') AND bool_or(v ~ ' [rfm]=[1-9]')
           FROM extreme_models), 'the extreme models hold 4713 BC, 294276 AD, subnormals and coarsened keys');
SELECT is((SELECT count(*) FROM (SELECT pg_temp.rt_recv('rfm_model', m) AS t
                                 FROM (SELECT v FROM extreme_models WHERE length(v) < 2000) x,
                                      pg_temp.rt_mutants(pg_temp.rt_send('rfm_model', v), 10) m) y
           WHERE t IS NOT NULL AND pg_temp.rt_text('rfm_model', t) IS DISTINCT FROM t), 0::bigint,
          'rfm_model: every binary value recv accepts, the text input accepts');
SELECT is((SELECT count(*) FROM (SELECT pg_temp.rt_text('rfm_model', m) AS t
                                 FROM (SELECT v FROM extreme_models WHERE length(v) < 2000) x,
                                      pg_temp.rt_text_mutants(v, 10) m) y
           WHERE t IS NOT NULL AND pg_temp.rt_recv('rfm_model', pg_temp.rt_send('rfm_model', t)) IS DISTINCT FROM t), 0::bigint,
          'rfm_model: every text value the input accepts, recv accepts');

-- ============================================================
-- 0.2.0: a scale per dimension, fixed cuts, migration
-- ============================================================
-- Per-dimension scales: 40 populations, each with its own three scales
-- (2..9 each); the window form against a rank() reference computed for
-- each dimension separately on its own scale.
CREATE TEMP TABLE spops AS
SELECT p AS pop, 2 + (random() * 7)::int AS rb, 2 + (random() * 7)::int AS fb, 2 + (random() * 7)::int AS mb,
       1 + (random() * 399)::int AS n, 1 + (random() * 60)::int AS spread
FROM generate_series(1, 40) p;
CREATE TEMP TABLE scust AS
SELECT pop, rb, fb, mb, i AS id,
       CASE WHEN random() < 0.03 THEN NULL
            ELSE timestamptz '2025-01-01' + (random() * spread)::int * interval '1 day' END AS last_purchase,
       CASE WHEN random() < 0.03 THEN NULL ELSE (random() * spread / 4)::bigint END AS orders,
       CASE WHEN random() < 0.03 THEN NULL ELSE round((random() * spread)::numeric, 1) END AS revenue
FROM spops, generate_series(1, n) i;
CREATE TEMP VIEW sreference AS
WITH ok AS (SELECT * FROM scust WHERE last_purchase IS NOT NULL AND orders IS NOT NULL AND revenue IS NOT NULL),
r AS (SELECT pop, id, least(rb, 1 + (rb * (rank() OVER (PARTITION BY pop ORDER BY last_purchase) - 1))
                                    / count(*) OVER (PARTITION BY pop))::int AS s FROM ok),
f AS (SELECT pop, id, least(fb, 1 + (fb * (rank() OVER (PARTITION BY pop ORDER BY orders) - 1))
                                    / count(*) OVER (PARTITION BY pop))::int AS s FROM ok),
m AS (SELECT pop, id, least(mb, 1 + (mb * (rank() OVER (PARTITION BY pop ORDER BY revenue) - 1))
                                    / count(*) OVER (PARTITION BY pop))::int AS s FROM ok)
SELECT pop, id, r.s AS r, f.s AS f, m.s AS m FROM r JOIN f USING (pop, id) JOIN m USING (pop, id);
CREATE TEMP TABLE sby_window AS
SELECT pop, id, rfm_score(last_purchase, orders, revenue, ARRAY[rb, fb, mb]) OVER (PARTITION BY pop) AS s FROM scust;
SELECT set_eq('SELECT pop, id, recency_score(s) FROM sby_window WHERE s IS NOT NULL', 'SELECT pop, id, r FROM sreference',
              'per-dimension scales: recency scores equal a rank() reference on the recency scale');
SELECT set_eq('SELECT pop, id, frequency_score(s) FROM sby_window WHERE s IS NOT NULL', 'SELECT pop, id, f FROM sreference',
              'per-dimension scales: frequency scores equal a rank() reference on the frequency scale');
SELECT set_eq('SELECT pop, id, monetary_score(s) FROM sby_window WHERE s IS NOT NULL', 'SELECT pop, id, m FROM sreference',
              'per-dimension scales: monetary scores equal a rank() reference on the monetary scale');
SELECT is((SELECT count(*) FROM sby_window w JOIN spops p USING (pop)
           WHERE w.s IS NOT NULL AND rfm_scales(w.s) <> ARRAY[p.rb, p.fb, p.mb]), 0::bigint,
          'per-dimension scales: every score carries its three scales');
SELECT is((SELECT count(*) FROM scust c JOIN sby_window w USING (pop, id)
           WHERE (w.s IS NULL) <> (c.last_purchase IS NULL OR c.orders IS NULL OR c.revenue IS NULL)), 0::bigint,
          'per-dimension scales: NULL exactly when a value is NULL');
CREATE TEMP TABLE smodels AS
SELECT pop, rfm_model(last_purchase, orders, revenue, ARRAY[rb, fb, mb]) AS model FROM scust GROUP BY pop;
SELECT set_eq(
  'SELECT pop, id, s FROM sby_window',
  'SELECT c.pop, c.id, rfm_score(m.model, c.last_purchase, c.orders, c.revenue) FROM scust c LEFT JOIN smodels m USING (pop)',
  'per-dimension scales: the model form equals the window form');
-- equal scales are the one-scale value, in both forms
SELECT is((SELECT count(*) FROM (SELECT rfm_score(last_purchase, orders, revenue, ARRAY[bins, bins, bins]) OVER (PARTITION BY pop) AS a,
                                        rfm_score(last_purchase, orders, revenue, bins) OVER (PARTITION BY pop) AS b
                                 FROM cust) c
           WHERE a IS DISTINCT FROM b), 0::bigint,
          'bins ARRAY[b, b, b] gives the same values as bins b');

-- Every rfm value of every three scales (44^3 = 85,184) round-trips
-- through text and binary, hashes like itself, and orders like
-- (r, f, m, rbins, fbins, mbins).
CREATE TEMP TABLE all_scaled AS
SELECT rfm(r, f, m, ARRAY[rb, fb, mb]) AS v, r, f, m, rb, fb, mb
FROM generate_series(2, 9) rb, generate_series(2, 9) fb, generate_series(2, 9) mb,
     generate_series(1, rb) r, generate_series(1, fb) f, generate_series(1, mb) m;
-- binary: the whole table through COPY BINARY (send, then recv)
CREATE TEMP TABLE all_scaled_back (v rfm);
DO $$
DECLARE path text := current_setting('data_directory') || '/journey_rfm_scaled_' || pg_backend_pid() || '.bin';
BEGIN
    EXECUTE format('COPY (SELECT v FROM all_scaled) TO %L WITH (FORMAT binary)', path);
    EXECUTE format('COPY all_scaled_back FROM %L WITH (FORMAT binary)', path);
END $$;
SELECT is((SELECT count(*) FROM all_scaled
           WHERE v::text::rfm <> v OR rfm_scales(v) <> ARRAY[rb, fb, mb] OR ARRAY[recency_score(v), frequency_score(v), monetary_score(v)] <> ARRAY[r, f, m]
              OR rfm_segment(v) IS NULL), 0::bigint,
          'all 85,184 rfm values with a scale per dimension round-trip through text and read back their scores and scales');
SELECT bag_eq('SELECT v::text FROM all_scaled_back', 'SELECT v::text FROM all_scaled',
              'all 85,184 of them read back the same through COPY BINARY (send, then recv)');
SELECT is((SELECT count(*) FROM (SELECT row_number() OVER (ORDER BY v) a, row_number() OVER (ORDER BY r, f, m, rb, fb, mb) b
                                 FROM all_scaled) x WHERE a <> b), 0::bigint,
          'rfm orders by r, f, m, then the recency, frequency and monetary scales');

-- Fixed cut points against a CASE reference on random customers.
CREATE TEMP TABLE fcust AS
SELECT i AS id, timestamptz '2024-06-30' - random() * interval '120 days' AS last_purchase,
       CASE WHEN random() < 0.02 THEN NULL ELSE (random() * 30)::int END AS orders,
       CASE WHEN random() < 0.02 THEN NULL ELSE round((random() * 3000)::numeric, 2) END AS revenue
FROM generate_series(1, 5000) i;
INSERT INTO fcust VALUES (0, '2024-06-23', 2, 100), (-1, '2024-06-16', 5, 1000), (-2, '2024-05-31', 20, 99.99);
SELECT is((SELECT count(*) FROM fcust
           WHERE rfm_score_fixed(last_purchase, orders, revenue, '2024-06-30',
                                 '{60 days,30 days,14 days,7 days}', '{2,5,10,20}', '{100,1000}')
                 IS DISTINCT FROM
                 CASE WHEN orders IS NULL OR revenue IS NULL THEN NULL
                      ELSE rfm(CASE WHEN timestamptz '2024-06-30' - last_purchase <= interval '7 days' THEN 5
                                    WHEN timestamptz '2024-06-30' - last_purchase <= interval '14 days' THEN 4
                                    WHEN timestamptz '2024-06-30' - last_purchase <= interval '30 days' THEN 3
                                    WHEN timestamptz '2024-06-30' - last_purchase <= interval '60 days' THEN 2 ELSE 1 END,
                               CASE WHEN orders >= 20 THEN 5 WHEN orders >= 10 THEN 4 WHEN orders >= 5 THEN 3
                                    WHEN orders >= 2 THEN 2 ELSE 1 END,
                               CASE WHEN revenue >= 1000 THEN 3 WHEN revenue >= 100 THEN 2 ELSE 1 END,
                               ARRAY[5, 5, 3]) END), 0::bigint,
          'rfm_score_fixed equals a CASE reference (5,003 customers, edges included)');
-- random cuts (1..8 per dimension) against counting the cuts in SQL
CREATE TEMP TABLE fcuts AS
SELECT k, (SELECT array_agg(c ORDER BY c DESC) FROM (SELECT DISTINCT (1 + (random() * 100)::int) * interval '1 day' AS c
                                                     FROM generate_series(1, 1 + k % 8)) x) AS rc,
          (SELECT array_agg(c ORDER BY c) FROM (SELECT DISTINCT (random() * 30)::int::float8 AS c FROM generate_series(1, 1 + (k * 3) % 8)) x) AS fc,
          (SELECT array_agg(c ORDER BY c) FROM (SELECT DISTINCT round((random() * 3000)::numeric, 2)::float8 AS c
                                                FROM generate_series(1, 1 + (k * 5) % 8)) x) AS mc
FROM generate_series(1, 20) k;
SELECT is((SELECT count(*) FROM fcust, fcuts
           WHERE orders IS NOT NULL AND revenue IS NOT NULL
             AND rfm_score_fixed(last_purchase, orders, revenue, '2024-06-30', rc, fc, mc)
                 <> rfm((1 + (SELECT count(*) FROM unnest(rc) c WHERE c >= timestamptz '2024-06-30' - last_purchase))::int,
                        (1 + (SELECT count(*) FROM unnest(fc) c WHERE c <= orders))::int,
                        (1 + (SELECT count(*) FROM unnest(mc) c WHERE c <= revenue))::int,
                        ARRAY[cardinality(rc) + 1, cardinality(fc) + 1, cardinality(mc) + 1])), 0::bigint,
          'rfm_score_fixed with 20 random sets of cuts equals counting the cuts in SQL');

-- Migration against a GROUP BY reference: before and after scores with
-- new and gone customers, default map and a user map; split and merged.
CREATE TEMP TABLE moves AS
SELECT i AS id, (random() * 3)::int AS part,
       CASE WHEN random() < 0.1 THEN NULL ELSE rfm(1 + (random() * 4)::int, 1 + (random() * 4)::int, 1 + (random() * 4)::int) END AS before,
       CASE WHEN random() < 0.1 THEN NULL ELSE rfm(1 + (random() * 8)::int, 1 + (random() * 2)::int, 1 + (random() * 3)::int,
                                                   ARRAY[9, 3, 4]) END AS after
FROM generate_series(1, 20000) i;
SELECT set_eq(
  'SELECT from_segment, to_segment, customers FROM rfm_transition_rows((SELECT rfm_transitions(before, after) FROM moves))',
  'SELECT rfm_segment(before) AS a, rfm_segment(after) AS b, count(*) FROM moves WHERE before IS NOT NULL OR after IS NOT NULL GROUP BY 1, 2',
  'rfm_transitions equals a GROUP BY reference (default map, new and gone customers)');
SELECT set_eq(
  $$SELECT from_segment, to_segment, customers FROM rfm_transition_rows(
      (SELECT rfm_transitions(before, after, '[{"segment": "top", "r": [4, 9], "f": [3, 9]}, {"segment": "low", "m": [1, 1]}]') FROM moves))$$,
  $$SELECT * FROM (SELECT rfm_segment(before, m) AS a, rfm_segment(after, m) AS b, count(*) AS n
                   FROM moves, (VALUES ('[{"segment": "top", "r": [4, 9], "f": [3, 9]}, {"segment": "low", "m": [1, 1]}]'::jsonb)) v(m)
                   GROUP BY 1, 2) x WHERE a IS NOT NULL OR b IS NOT NULL$$,
  'rfm_transitions with a map equals a GROUP BY reference');
SELECT is((SELECT rollup(t)::text FROM (SELECT rfm_transitions(before, after) AS t FROM moves GROUP BY part) x),
          (SELECT rfm_transitions(before, after ORDER BY random())::text FROM moves),
          'rfm_transitions: merged parts equal the whole, whatever the row order');
SELECT is((SELECT count(*) FROM (SELECT rfm_transitions(before, after)::text AS v FROM moves GROUP BY part) x
           WHERE pg_temp.rt_text('rfm_transitions', v) IS DISTINCT FROM v
              OR pg_temp.rt_recv('rfm_transitions', pg_temp.rt_send('rfm_transitions', v)) IS DISTINCT FROM v), 0::bigint,
          'rfm_transitions round-trip through text and binary');

SELECT * FROM finish();
ROLLBACK;

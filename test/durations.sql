-- Properties of durations on random data: quantiles within 1% of
-- percentile_disc, merge of parts equal to the whole whatever the split,
-- exact count/min/max/mean, text and binary round trips.
BEGIN;
SELECT plan(18);
SELECT setseed(0.4242);

-- three shapes: log-normal waits (seconds to weeks), uniform minutes, and
-- a mix with many exact zeros and ties
CREATE TEMP TABLE samples AS
SELECT 'lognormal' AS shape, g AS i,
       exp(8 + 2.5 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) * interval '1 second' AS d
FROM generate_series(1, 20000) g
UNION ALL
SELECT 'uniform', g, (random() * 10000)::int * interval '1 minute' FROM generate_series(1, 20000) g
UNION ALL
SELECT 'zeros_and_ties', g, (CASE WHEN random() < 0.3 THEN 0 ELSE 1 + (random() * 5)::int END) * interval '1 hour'
FROM generate_series(1, 5000) g;

CREATE TEMP TABLE errors AS
SELECT shape, q,
       extract(epoch FROM quantile(s, q)) AS ours,
       extract(epoch FROM exact) AS exact
FROM (SELECT shape, duration_agg(d) AS s FROM samples GROUP BY shape) a
JOIN (SELECT shape, q, percentile_disc(q) WITHIN GROUP (ORDER BY d) AS exact
      FROM samples, unnest(ARRAY[0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1]::float8[]) q
      GROUP BY shape, q) e USING (shape);

SELECT is((SELECT count(*) FROM errors), 39::bigint, 'thirteen quantiles of three shapes compared');
SELECT is_empty($$
  SELECT shape, q, ours, exact FROM errors
  WHERE abs(ours - exact) > 0.01 * exact + 0.000001
$$, 'every quantile within 1% of percentile_disc');
SELECT is_empty($$
  SELECT shape, q FROM errors WHERE q IN (0, 1) AND ours <> exact
$$, 'quantile 0 and 1 are exactly min and max');

SELECT is_empty($$
  SELECT shape FROM samples GROUP BY shape
  HAVING num_vals(duration_agg(d)) <> count(*)
      OR min_val(duration_agg(d)) <> min(d)
      OR max_val(duration_agg(d)) <> max(d)
      OR abs(extract(epoch FROM mean(duration_agg(d)) - avg(d))) > 0.000001
$$, 'count, min, max and mean are exact');

-- merge of parts equals the whole, for several random splits
SELECT is_empty($$
  SELECT shape, parts FROM (
    SELECT shape, parts, rollup(s)::text AS merged FROM (
      SELECT shape, parts, duration_agg(d) AS s
      FROM samples, (VALUES (2), (7), (64)) p(parts)
      GROUP BY shape, parts, hashint4(i * 31 + parts) % parts) x
    GROUP BY shape, parts) m
  JOIN (SELECT shape, duration_agg(d)::text AS whole FROM samples GROUP BY shape) w USING (shape)
  WHERE merged <> whole
$$, 'rollup of any split equals the summary of the whole');

SELECT is_empty($$
  SELECT shape FROM samples GROUP BY shape
  HAVING duration_agg(d ORDER BY d)::text <> duration_agg(d ORDER BY d DESC)::text
      OR duration_agg(d ORDER BY d)::text <> duration_agg(d ORDER BY random())::text
$$, 'the summary does not depend on the order of the rows');

SELECT is_empty($$
  SELECT shape FROM (SELECT shape, duration_agg(d) AS s FROM samples GROUP BY shape) a
  WHERE s::text::durations::text <> s::text
$$, 'text round trip is exact');

SELECT cmp_ok((SELECT max(pg_column_size(s)) FROM (SELECT duration_agg(d) AS s FROM samples GROUP BY shape) x), '<=', 8400,
              'size stays bounded');

SELECT throws_ok($$SELECT 'v1 n=1 zeros=0 sum_us=60000000 min_us=60000000 max_us=60000000 buckets=907:1'::durations$$,
                 '22P02', 'invalid input syntax for type durations',
                 'a value whose max is not in its highest bucket is rejected');
SELECT throws_ok($$SELECT duration_agg(-d) FROM samples WHERE d > '0'$$,
                 '22023', 'durations cannot hold a negative interval', 'negative durations are rejected');

-- Round trips over values the aggregates make from extreme inputs: zero,
-- one microsecond, the 64-bit microsecond limit, spreads over the whole
-- range (so the bucket window folds), their rollups, and values with
-- counts near 2^63.  Whatever the output writes, both inputs read back;
-- and text and binary accept the same values: a mutated binary value that
-- recv accepts parses back from its text, a mutated text value that the
-- text input accepts comes back through send and recv.
\i test/roundtrip.psql
CREATE TEMP TABLE extreme_inputs AS
SELECT g AS grp, d FROM (VALUES
  (1, interval '0'), (2, interval '1 microsecond'), (3, interval '106751991 days 04:00:54.775807'),
  (4, interval '0'), (4, interval '106751991 days 04:00:54.775807'),
  (5, interval '1 microsecond'), (5, interval '106751991 days 04:00:54.775807'), (5, interval '1 microsecond'),
  (6, interval '1 microsecond'), (6, interval '1 second'), (6, interval '106751991 days')) v(g, d)
UNION ALL
SELECT 7 + i % 5, floor(exp(random() * 43.668)) * interval '1 microsecond' FROM generate_series(1, 2000) i;
CREATE TEMP TABLE extreme_values AS
SELECT duration_agg(d)::text AS v FROM extreme_inputs GROUP BY grp
UNION ALL SELECT duration_agg(d)::text FROM extreme_inputs
UNION ALL SELECT duration_agg(d)::text FROM extreme_inputs WHERE grp >= 7
UNION ALL VALUES
  ('v1 n=9223372036854775807 zeros=0 sum_us=33204139332677192901600001000 min_us=1000 max_us=3600000000 buckets=349:1,1113:9223372036854775806'),
  ('v1 n=9223372036854775807 zeros=9223372036854775806 sum_us=3600000000 min_us=0 max_us=3600000000 buckets=1113:1'),
  ('v1 n=9223372036854775807 zeros=0 sum_us=85070591730234615847396907784232501249 min_us=9223372036854775807 max_us=9223372036854775807 buckets=2206:9223372036854775807');

SELECT is((SELECT count(*) FROM extreme_values WHERE pg_temp.rt_text('durations', v) IS DISTINCT FROM v), 0::bigint,
          'durations: text output of extreme values parses back to the same value');
SELECT is((SELECT count(*) FROM extreme_values
           WHERE pg_temp.rt_recv('durations', pg_temp.rt_send('durations', v)) IS DISTINCT FROM v), 0::bigint,
          'durations: binary output of extreme values reads back to the same value');
SELECT is((SELECT count(*) FROM (SELECT pg_temp.rt_recv('durations', m) AS t
                                 FROM extreme_values, pg_temp.rt_mutants(pg_temp.rt_send('durations', v), 15) m) x
           WHERE t IS NOT NULL AND pg_temp.rt_text('durations', t) IS DISTINCT FROM t), 0::bigint,
          'durations: every binary value recv accepts, the text input accepts');
SELECT is((SELECT count(*) FROM (SELECT pg_temp.rt_text('durations', m) AS t
                                 FROM extreme_values, pg_temp.rt_text_mutants(v, 15) m) x
           WHERE t IS NOT NULL AND pg_temp.rt_recv('durations', pg_temp.rt_send('durations', t)) IS DISTINCT FROM t), 0::bigint,
          'durations: every text value the input accepts, recv accepts');

-- Readers for charts: log-scale histograms on the three shapes, 1..60
-- bins: every value counted once, edges increasing from min to max, a
-- count off a plain SQL count over the same edges only by values within
-- 1% of an edge; _seconds columns equal extract(epoch) of the interval.
CREATE TEMP TABLE log_hist AS
SELECT shape, bins, h.*
FROM (SELECT shape, duration_agg(d) AS s FROM samples GROUP BY shape) x,
     (VALUES (1), (7), (20), (60)) b(bins), histogram(x.s, b.bins, 'log') h;
SELECT is((SELECT count(*) FROM (SELECT shape, bins, sum(count) AS n FROM log_hist GROUP BY 1, 2) h
           JOIN (SELECT shape, count(*) AS n FROM samples GROUP BY 1) s USING (shape) WHERE h.n <> s.n), 0::bigint,
          'log-scale histogram: the counts add up to the number of values');
SELECT is((SELECT count(*) FROM (SELECT shape, bins, lower, upper,
                                        lag(upper) OVER (PARTITION BY shape, bins ORDER BY lower) AS prev_upper
                                 FROM log_hist) h
           WHERE upper < lower OR (prev_upper IS NOT NULL AND prev_upper <> lower)), 0::bigint,
          'log-scale histogram: bins are contiguous and in order');
SELECT is((SELECT count(*) FROM log_hist
           WHERE lower_seconds <> extract(epoch FROM lower)::float8 OR upper_seconds <> extract(epoch FROM upper)::float8),
          0::bigint, 'histogram: lower_seconds and upper_seconds are the bounds in seconds');
SELECT is((SELECT count(*) FROM (SELECT h.shape, h.bins, h.count,
                                        (SELECT count(*) FROM samples s WHERE s.shape = h.shape AND s.d >= h.lower
                                           AND (s.d < h.upper OR h.upper = (SELECT max(d) FROM samples t WHERE t.shape = h.shape))) AS exact,
                                        (SELECT count(*) FROM samples s WHERE s.shape = h.shape
                                           AND (abs(extract(epoch FROM s.d) - h.lower_seconds) <= 0.0101 * h.lower_seconds
                                                OR abs(extract(epoch FROM s.d) - h.upper_seconds) <= 0.0101 * h.upper_seconds)) AS near_edge
                                 FROM log_hist h WHERE bins = 7) x
           WHERE abs(count - exact) > near_edge), 0::bigint,
          'log-scale histogram: counts differ from exact counts only by values within 1% of an edge');

SELECT * FROM finish();
ROLLBACK;

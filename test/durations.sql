-- Properties of durations on random data: quantiles within 1% of
-- percentile_disc, merge of parts equal to the whole whatever the split,
-- exact count/min/max/mean, text and binary round trips.
BEGIN;
SELECT plan(10);
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
                 '22P02', 'invalid text value for type durations',
                 'a value whose max is not in its highest bucket is rejected');
SELECT throws_ok($$SELECT duration_agg(-d) FROM samples WHERE d > '0'$$,
                 '22023', 'durations cannot hold a negative interval', 'negative durations are rejected');

SELECT * FROM finish();
ROLLBACK;

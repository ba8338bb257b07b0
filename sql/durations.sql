-- durations: a mergeable summary of intervals (exact count/min/max/mean,
-- quantiles within 1%), built by duration_agg and merged by rollup.

SET intervalstyle = postgres;
SET timezone = 'UTC';

-- 0, 1, ..., 100 minutes
CREATE TABLE minutes AS SELECT x, x * interval '1 minute' AS d FROM generate_series(0, 100) x;
SELECT num_vals(s), min_val(s), max_val(s), mean(s)
FROM (SELECT duration_agg(d) AS s FROM minutes) t;

-- quantiles follow percentile_disc's rank and stay within 1% of it
SELECT q, quantile(s, q) AS ours,
       (SELECT percentile_disc(q) WITHIN GROUP (ORDER BY d) FROM minutes) AS exact,
       abs(extract(epoch FROM quantile(s, q)) / nullif(extract(epoch FROM
           (SELECT percentile_disc(q) WITHIN GROUP (ORDER BY d) FROM minutes)), 0) - 1) <= 0.01 AS within_1pct
FROM (SELECT duration_agg(d) AS s FROM minutes) t,
     unnest(ARRAY[0, 0.01, 0.25, 0.5, 0.9, 0.99, 1]::float8[]) q;
SELECT quantiles(duration_agg(d), ARRAY[0, 0.5, 1]) FROM minutes;
SELECT quantiles(duration_agg(d), '{}') FROM minutes;

-- equal values: every quantile is that value, exactly
SELECT quantiles(duration_agg(interval '90 seconds'), ARRAY[0, 0.3, 0.5, 1])
FROM generate_series(1, 7);
-- zero durations are counted exactly
SELECT num_vals(s), quantile(s, 0.5), quantile(s, 0.8), max_val(s)
FROM (SELECT duration_agg(CASE WHEN x <= 5 THEN interval '0' ELSE interval '1 hour' END) s
      FROM generate_series(1, 10) x) t;

-- months count as 30 days, days as 24 hours (as extract(epoch) does);
-- results come back as days and time
SELECT mean(duration_agg(d)) FROM (VALUES (interval '1 month'), (interval '1 day 12:00')) v(d);

-- NULL intervals are skipped; no values at all gives NULL
SELECT num_vals(duration_agg(d)) FROM (VALUES (interval '1 hour'), (NULL), (interval '2 hours')) v(d);
SELECT duration_agg(d) IS NULL AS all_null FROM (VALUES (NULL::interval)) v(d);
SELECT duration_agg(d) IS NULL AS empty FROM minutes WHERE false;
SELECT quantile(NULL::durations, 0.5), num_vals(NULL), quantiles(NULL, ARRAY[0.5]);
SELECT count(*) FROM histogram(NULL, 10);

-- per group, then rollup: merging parts gives the same summary as the whole
SELECT x % 3 AS part, num_vals(duration_agg(d)), quantile(duration_agg(d), 0.5)
FROM minutes GROUP BY 1 ORDER BY 1;
SELECT (SELECT rollup(s)::text FROM (SELECT duration_agg(d) s FROM minutes GROUP BY x % 3) p)
     = (SELECT duration_agg(d)::text FROM minutes) AS rollup_equals_whole;
SELECT durations_merge(duration_agg(d) FILTER (WHERE x < 50), duration_agg(d) FILTER (WHERE x >= 50))::text
     = duration_agg(d)::text AS merge_equals_whole
FROM minutes;

-- histogram: equal-width bins from min to max, empty bins included
SELECT * FROM histogram((SELECT duration_agg(d) FROM minutes), 4);
SELECT * FROM histogram((SELECT duration_agg(interval '5 minutes')), 10);
SELECT * FROM histogram((SELECT duration_agg(x * interval '1 microsecond') FROM generate_series(1, 3) x), 10);

-- as a window aggregate: running median
SELECT x, quantile(duration_agg(d) OVER (ORDER BY x), 0.5) AS running_median
FROM minutes WHERE x BETWEEN 1 AND 5;

-- a wide range, 1 millisecond to 4 days (a factor of 3e8): every
-- percentile within 1%
WITH v AS (SELECT (10 ^ (x / 10.0)) * interval '1 microsecond' AS d FROM generate_series(30, 115) x)
SELECT count(*) AS percentiles, count(*) FILTER (WHERE abs(extract(epoch FROM quantile(s, q)) / extract(epoch FROM exact) - 1) > 0.01) AS beyond_1pct
FROM (SELECT duration_agg(d) s FROM v) t,
     LATERAL (SELECT q, percentile_disc(q) WITHIN GROUP (ORDER BY d) AS exact
              FROM v, generate_series(0.01, 0.99, 0.01) q GROUP BY q) e;
-- wider than a factor of 6e8 (here 1 microsecond to 30 years) the lowest
-- buckets are folded together: low percentiles lose the guarantee, the
-- upper ones keep it, min stays exact
WITH v AS (SELECT (10 ^ (x / 10.0)) * interval '1 microsecond' AS d FROM generate_series(0, 150) x),
     summary AS (SELECT duration_agg(d) AS s FROM v),
     exact AS (SELECT q, percentile_disc(q) WITHIN GROUP (ORDER BY d) AS exact
               FROM v, generate_series(0.01, 0.99, 0.01) q GROUP BY q)
SELECT (SELECT min_val(s) FROM summary), count(*) FILTER (WHERE q >= 0.5) AS upper_percentiles,
       count(*) FILTER (WHERE q >= 0.5 AND abs(extract(epoch FROM quantile(s, q)) / extract(epoch FROM exact) - 1) > 0.01) AS upper_beyond_1pct,
       count(*) FILTER (WHERE q < 0.5 AND abs(extract(epoch FROM quantile(s, q)) / extract(epoch FROM exact) - 1) > 0.01) AS lower_beyond_1pct
FROM summary, exact;

-- text form: readable, round-trips exactly
SELECT duration_agg(d) FROM (VALUES (interval '0'), (interval '1 minute'), (interval '1 hour')) v(d);
SELECT 'v1 n=3 zeros=1 sum_us=3660000000 min_us=0 max_us=3600000000 buckets=906:1,1113:1'::durations;
SELECT s::text::durations::text = s::text AS text_round_trip
FROM (SELECT duration_agg(d) s FROM minutes) t;

-- binary form round-trips through COPY
CREATE TABLE summaries AS SELECT x % 5 AS k, duration_agg(d) AS s FROM minutes GROUP BY 1;
\copy summaries TO 'results/durations.bin' WITH (FORMAT binary)
CREATE TABLE summaries_back (LIKE summaries);
\copy summaries_back FROM 'results/durations.bin' WITH (FORMAT binary)
SELECT count(*) AS rows_back, bool_and(a.s::text = b.s::text) AS identical
FROM summaries a JOIN summaries_back b USING (k);

-- bad input
SELECT duration_agg(d) FROM (VALUES (interval '1 hour'), (interval '-1 second')) v(d);
SELECT quantile(duration_agg(d), 1.5) FROM minutes;
SELECT quantile(duration_agg(d), -0.1) FROM minutes;
SELECT quantile(duration_agg(d), 'NaN') FROM minutes;
SELECT quantile(duration_agg(d), NULL) FROM minutes;
SELECT quantiles(duration_agg(d), ARRAY[0.5, NULL]) FROM minutes;
SELECT quantiles(duration_agg(d), NULL) FROM minutes;
SELECT quantiles(duration_agg(d), '{{0.5},{0.6}}') FROM minutes;
SELECT * FROM histogram((SELECT duration_agg(d) FROM minutes), 0);
SELECT * FROM histogram((SELECT duration_agg(d) FROM minutes), -3);
SELECT * FROM histogram((SELECT duration_agg(d) FROM minutes), NULL);
SELECT * FROM histogram((SELECT duration_agg(d) FROM minutes), 1000000);
SELECT duration_agg(interval '178000000 years');

-- malformed text
SELECT ''::durations;
SELECT 'garbage'::durations;
SELECT 'v2 n=1 zeros=0 sum_us=5 min_us=5 max_us=5 buckets=82:1'::durations;
SELECT 'v1 n=1 zeros=0 sum_us=5 min_us=5 max_us=5'::durations;
SELECT 'v1 n=1 zeros=0 sum_us=5 min_us=5 max_us=5 buckets=82:1 '::durations;
SELECT 'v1 n=1 zeros=0 sum_us=5 min_us=5 max_us=5 buckets=82:0'::durations;
SELECT 'v1 n=2 zeros=0 sum_us=10 min_us=5 max_us=5 buckets=82:1'::durations;
SELECT 'v1 n=0 zeros=0 sum_us=0 min_us=0 max_us=0 buckets='::durations;
SELECT 'v1 n=1 zeros=0 sum_us=5 min_us=5 max_us=5 buckets=90:1'::durations;
SELECT 'v1 n=2 zeros=0 sum_us=10 min_us=5 max_us=5 buckets=82:1,82:1'::durations;
SELECT 'v1 n=2 zeros=0 sum_us=6 min_us=1 max_us=5 buckets=82:1,0:1'::durations;
SELECT 'v1 n=1 zeros=0 sum_us=5 min_us=5 max_us=5 buckets=999999999999:1'::durations;
SELECT 'v1 n=99999999999999999999 zeros=0 sum_us=5 min_us=5 max_us=5 buckets=82:1'::durations;
SELECT 'v1 n=1 zeros=0 sum_us=999999999999999999999999999999999999999999 min_us=5 max_us=5 buckets=82:1'::durations;
SELECT 'v1 n=2 zeros=0 sum_us=6 min_us=1 max_us=5 buckets=0:1,2000:1'::durations;
SELECT 'v1 n=1 zeros=0 sum_us=-5 min_us=-5 max_us=-5 buckets=82:1'::durations;
SELECT 'v1 n=1 zeros=1 sum_us=0 min_us=0 max_us=0 buckets=82:1'::durations;
SELECT 'v1 n=3 zeros=0 sum_us=15 min_us=5 max_us=5 buckets=82:18446744073709551615,83:2'::durations;

-- malformed binary: a crafted COPY BINARY file for each case
-- (test_recv, from sql/setup.sql, feeds bytes to durations_recv)
\set SHOW_CONTEXT never
-- a valid value sent and received back
SELECT test_recv('durations', durations_send(s)) = s::text AS binary_round_trip
FROM (SELECT duration_agg(d) s FROM minutes) t;
-- truncated after the version
SELECT test_recv('durations', '\x01'::bytea);
-- unsupported version
SELECT test_recv('durations', set_byte(durations_send(duration_agg(interval '1 minute')), 0, 9));
-- a bucket count claiming more buckets than the bytes hold
SELECT test_recv('durations', substring(durations_send(duration_agg(interval '1 minute')) FROM 1 FOR 50)
                            || int4send(1000) || '\x00'::bytea);
-- negative bucket count
SELECT test_recv('durations', substring(durations_send(duration_agg(interval '1 minute')) FROM 1 FOR 50)
                            || int4send(-1));
-- a bucket index out of range
SELECT test_recv('durations', substring(durations_send(duration_agg(interval '1 minute')) FROM 1 FOR 50)
                            || int4send(1) || int4send(99999) || int8send(1));
-- counts that do not add up
SELECT test_recv('durations', substring(durations_send(duration_agg(interval '1 minute')) FROM 1 FOR 50)
                            || int4send(1) || int4send(906) || int8send(7));
-- trailing garbage
SELECT test_recv('durations', durations_send(duration_agg(interval '1 minute')) || '\x00'::bytea);

\set SHOW_CONTEXT errors

-- serial and forced-parallel plans give the same summaries
CREATE TABLE waits AS
SELECT g % 7 AS k, (g % 1000) * interval '1 second' + (g % 13) * interval '1 hour' AS d
FROM generate_series(1, 200000) g;
ANALYZE waits;
CREATE TABLE serial_result AS
SELECT k, duration_agg(d)::text AS s FROM waits GROUP BY k;
CREATE TABLE serial_rollup AS
SELECT rollup(s::durations)::text AS s FROM serial_result;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
\i test/force_parallel_on.psql
EXPLAIN (COSTS OFF) SELECT k, duration_agg(d) FROM waits GROUP BY k;
SELECT count(*) AS groups_differing FROM (
  (SELECT k, duration_agg(d)::text FROM waits GROUP BY k) EXCEPT (SELECT * FROM serial_result)) x;
EXPLAIN (COSTS OFF) SELECT duration_agg(d) FROM waits;
SELECT duration_agg(d)::text = (SELECT s FROM serial_rollup) AS parallel_equals_serial FROM waits;
CREATE TABLE per_key AS SELECT k, duration_agg(d) AS s FROM waits GROUP BY k;
EXPLAIN (COSTS OFF) SELECT rollup(s) FROM per_key;
SELECT rollup(s)::text = (SELECT s FROM serial_rollup) AS parallel_rollup_equals_serial FROM per_key;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
\i test/force_parallel_off.psql

-- counts near 2^63: the rank ceil(q * n) must not overflow (0.1.0 gave the
-- minimum for quantile(d, 1) here)
CREATE TABLE huge_counts (name text, d durations);
INSERT INTO huge_counts VALUES
  ('n = 2^63 - 1, one 1 ms, the rest 1 hour',
   'v1 n=9223372036854775807 zeros=0 sum_us=33204139332677192901600001000 min_us=1000 max_us=3600000000 buckets=349:1,1113:9223372036854775806'),
  ('n = 2^63 - 1, all zeros but one hour',
   'v1 n=9223372036854775807 zeros=9223372036854775806 sum_us=3600000000 min_us=0 max_us=3600000000 buckets=1113:1'),
  ('n = 2^63 - 1, one zero, the rest 1 minute',
   'v1 n=9223372036854775807 zeros=1 sum_us=553402322211286548360000000 min_us=0 max_us=60000000 buckets=906:9223372036854775806');
SELECT name, q, quantile(d, q)
FROM huge_counts, unnest(ARRAY[0, 1e-300, 1e-18, 0.5, 0.99999999999999989, 1]::float8[]) q
ORDER BY name, q;
SELECT name, quantiles(d, ARRAY[0, 0.5, 1]) FROM huge_counts ORDER BY name;

-- ============================================================
-- Readers for charts (0.2.0): x_seconds after every interval column x
-- ============================================================
-- A long tail, 1 second to ~6 hours (e^0 .. e^10 seconds): equal-width
-- bins put almost everything in the first bin; log-scale bins grow by
-- equal ratios from the smallest value to the largest and spread it.
CREATE TABLE long_tail AS SELECT exp(x / 100.0) * interval '1 second' AS d FROM generate_series(0, 1000) x;
SELECT lower, upper, count FROM histogram((SELECT duration_agg(d) FROM long_tail), 5);
SELECT * FROM histogram((SELECT duration_agg(d) FROM long_tail), 5, 'log');
-- the bins' counts match a plain SQL count over the same edges, except
-- values within 1% of an edge
SELECT h.lower, h.count, (SELECT count(*) FROM long_tail t WHERE t.d >= h.lower AND (t.d < h.upper OR h.upper = max_d)) AS exact
FROM histogram((SELECT duration_agg(d) FROM long_tail), 5, 'log') h, (SELECT max(d) AS max_d FROM long_tail) m;
-- zeros fall in the first bin, which then starts at 0
SELECT * FROM histogram((SELECT duration_agg(x * interval '1 second') FROM generate_series(0, 100) x), 4, 'log');
-- equal values: one bin; a range of a few microseconds: fewer bins
SELECT * FROM histogram((SELECT duration_agg(interval '5 minutes')), 10, 'log');
SELECT * FROM histogram((SELECT duration_agg(x * interval '1 microsecond') FROM generate_series(1, 3) x), 10, 'log');
SELECT count(*) FROM histogram(NULL, 10, 'log');
-- 'linear' is the default
SELECT (SELECT array_agg(h) FROM histogram((SELECT duration_agg(d) FROM minutes), 4, 'linear') h)
     = (SELECT array_agg(h) FROM histogram((SELECT duration_agg(d) FROM minutes), 4) h) AS linear_is_default;
-- errors: an unknown or NULL scale, bins out of range (also with no values)
SELECT * FROM histogram((SELECT duration_agg(d) FROM minutes), 4, 'exp');
SELECT * FROM histogram((SELECT duration_agg(d) FROM minutes), 4, NULL);
SELECT * FROM histogram(NULL, 0);
-- under the 0.1.0 declaration (two arguments, three columns; what a
-- database has before ALTER EXTENSION journey UPDATE) the same library
-- returns the 0.1.0 columns
CREATE FUNCTION histogram_010(durations, bins integer, OUT lower interval, OUT upper interval, OUT count bigint)
    RETURNS SETOF record AS '$libdir/journey', 'durations_histogram' LANGUAGE C IMMUTABLE;
SELECT * FROM histogram_010((SELECT duration_agg(d) FROM minutes), 4);
DROP FUNCTION histogram_010(durations, integer);

-- quantile_rows: quantiles as rows, with seconds, in the array's order
SELECT * FROM quantile_rows((SELECT duration_agg(d) FROM minutes), ARRAY[0.5, 0.9, 0.99, 0, 1]);
SELECT count(*) FROM quantile_rows(NULL, ARRAY[0.5]);
SELECT * FROM quantile_rows((SELECT duration_agg(d) FROM minutes), '{}');
SELECT * FROM quantile_rows((SELECT duration_agg(d) FROM minutes), NULL);
SELECT * FROM quantile_rows((SELECT duration_agg(d) FROM minutes), ARRAY[0.5, NULL]);
SELECT * FROM quantile_rows((SELECT duration_agg(d) FROM minutes), ARRAY[1.5]);
DROP TABLE long_tail;

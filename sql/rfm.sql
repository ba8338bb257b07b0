-- rfm: a customer's recency, frequency and monetary scores.
--
-- The rfm type holds three scores 1..bins and bins (2..9, default 5) in
-- 4 bytes.  Text form '543' (R, F, M); input also takes '5-4-3'; bins
-- other than 5 follow a slash: '876/9'.
SELECT '543'::rfm AS a, '5-4-3'::rfm AS b, ' 111 '::rfm AS c, '876/9'::rfm AS nine,
       '212/2'::rfm AS two, '543/5'::rfm AS five_explicit;
SELECT recency_score('543'), frequency_score('543'), monetary_score('543'),
       rfm_bins('543'::rfm), rfm_bins('876/9'::rfm);
SELECT rfm(5, 4, 3) AS default_bins, rfm(2, 1, 2, bins => 2) AS two_bins,
       rfm(1, NULL, 1) AS null_score, '543'::rfm::text AS as_text,
       pg_typeof('543'::rfm::text);

-- the constructor checks its arguments
SELECT rfm(6, 1, 1);
SELECT rfm(1, 1, 1, 10);
SELECT rfm(1, 1, 1, NULL);

-- Bad text input: every one of these is an error with a clear message.
CREATE FUNCTION rfm_try(v text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  RETURN v::rfm::text;
EXCEPTION WHEN others THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT format('%L', v) AS input, rfm_try(v) AS result
FROM unnest(ARRAY['', ' ', '5x3', '0-1-2', '6-1-1', '611', '54', '5433', '54-3', '5-43',
                  '5--4-3', '-5-4-3', '5-4-3-', '5 4 3', 'abc', '543/', '543/1', '543/10',
                  '111/0', '999/9', '989/8', '543x', '５４３']) v;
-- the full message for one of them
SELECT '6-1-1'::rfm;

-- Binary input is checked as strictly as text (bytes r, f, m, bins).
-- recv_try wraps setup.sql's test_recv (which feeds bytes to a type's
-- receive function through COPY BINARY) and shows the error it raises.
CREATE FUNCTION recv_try(typ regtype, bytes bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE d text;
BEGIN
  RETURN test_recv(typ, bytes);
EXCEPTION WHEN others THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || SQLERRM || ': ' || d;
END $$;
SELECT b AS bytes, recv_try('rfm', b) AS result
FROM unnest(ARRAY['\x05040305', '\x08070609', '\x', '\x050403', '\x0504030500', '\x06010105',
                  '\x00010105', '\x01010101', '\x0101010a', '\x010101ff']::bytea[]) b;

-- Ordering and equality: by R, then F, then M, then bins; one comparator
-- behind the operators, the btree and the hash opclass.
SELECT v FROM unnest('{543,111,555,545,355,112/2,111/9}'::rfm[]) v ORDER BY v;
SELECT '543'::rfm = '5-4-3', '543'::rfm <> '543/9', '543'::rfm < '544', '543'::rfm >= '535',
       '212/2'::rfm > '211/2', rfm_cmp('111', '111/2');
SELECT amname, opcname, amvalidate(c.oid)
FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
WHERE opcintype = 'rfm'::regtype ORDER BY amname;

-- GROUP BY, hash join and index scan all work.
CREATE TABLE rfm_cells AS
SELECT rfm(1 + i % 5, 1 + (i / 5) % 5, 1 + (i / 25) % 5) AS cell, i FROM generate_series(0, 249) i;
SELECT cell, count(*) FROM rfm_cells GROUP BY cell ORDER BY cell LIMIT 3;
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT cell, count(*) FROM rfm_cells GROUP BY cell;
RESET enable_sort;
SET enable_mergejoin = off; SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM rfm_cells a JOIN rfm_cells b USING (cell);
SELECT count(*) FROM rfm_cells a JOIN rfm_cells b USING (cell);   -- 125 cells x 2 x 2
RESET enable_mergejoin; RESET enable_nestloop;
CREATE INDEX ON rfm_cells (cell);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT i FROM rfm_cells WHERE cell = '543';
SELECT i FROM rfm_cells WHERE cell = '543' ORDER BY i;
RESET enable_seqscan;

-- ============================================================
-- rfm_score(last_purchase, frequency, monetary [, bins]) OVER (...)
-- score = 1 + floor(bins * (values in the partition strictly below) / n)
-- ============================================================
CREATE TABLE rfm_customers (id int, region text, last_purchase timestamptz, orders bigint, revenue numeric);
INSERT INTO rfm_customers VALUES
  (1, 'north', '2024-03-01', 1,  10.00),
  (2, 'north', '2024-03-02', 2,  20.00),
  (3, 'north', '2024-03-03', 3,  30.00),
  (4, 'north', '2024-03-04', 4,  40.00),
  (5, 'north', '2024-03-05', 5,  50.00),
  (6, 'north', '2024-03-06', 6,  60.00),
  (7, 'north', '2024-03-07', 7,  70.00),
  (8, 'north', '2024-03-08', 8,  80.00),
  (9, 'north', '2024-03-09', 9,  90.00),
  (10, 'north', '2024-03-10', 10, 100.00),
  (11, 'south', '2024-03-01', 1, 5.00),
  (12, 'south', '2024-03-01', 1, 5.00),
  (13, 'south', '2024-03-05', 1, 5.00),
  (14, 'south', '2024-03-09', 4, 5.00),
  (15, 'south', NULL,         9, 99.00),
  (16, 'south', '2024-03-09', NULL, 1.00);

-- Distinct values, n = 10 a multiple of 5: exactly NTILE(5), ranked on
-- each dimension; the most recent purchase scores highest.
SELECT id, last_purchase::date, orders, revenue,
       rfm_score(last_purchase, orders, revenue) OVER () AS rfm,
       ntile(5) OVER (ORDER BY last_purchase) AS ntile_r
FROM rfm_customers WHERE region = 'north' ORDER BY id;

-- Ties: equal values always get equal scores.  South has n = 4 (the rows
-- with a NULL get NULL and do not count): last_purchase 03-01 twice
-- (0 below: 1), 03-05 (2 below: 1 + floor(5*2/4) = 3), 03-09 (3 below: 4);
-- orders 1, 1, 1, 4 -> 1, 1, 1, 4; revenue all equal -> 1.
-- NTILE(5) splits the equal rows into different tiles, by row order.
SELECT id, last_purchase::date, orders, revenue,
       rfm_score(last_purchase, orders, revenue) OVER () AS rfm,
       ntile(5) OVER (ORDER BY revenue, id) AS ntile_m
FROM rfm_customers WHERE region = 'south' ORDER BY id;

-- PARTITION BY scores each region against itself; ORDER BY and the frame
-- of the window do not change the scores.
SELECT id, region,
       rfm_score(last_purchase, orders, revenue) OVER (PARTITION BY region) AS by_region,
       rfm_score(last_purchase, orders, revenue) OVER (PARTITION BY region ORDER BY id
                                                      ROWS BETWEEN CURRENT ROW AND CURRENT ROW) AS framed,
       rfm_score(last_purchase, orders, revenue) OVER () AS overall
FROM rfm_customers ORDER BY id;

-- All-equal input: everyone scores 1 (nobody is below anybody).
SELECT s, count(*)
FROM (SELECT rfm_score(timestamptz '2024-01-01', 3, 9.99) OVER () AS s FROM generate_series(1, 7)) x GROUP BY 1;
-- n < bins: two customers with 5 bins score 1 and 1 + floor(5 * 1 / 2) = 3;
-- one customer alone scores 1.
SELECT i, rfm_score(timestamptz '2024-01-01' + i * interval '1 day', i, i) OVER () FROM generate_series(1, 2) i;
SELECT rfm_score(now(), 1, 1) OVER ();
-- No rows, no scores; a partition of NULLs only gives NULLs.
SELECT rfm_score(now(), 1, 1) OVER () FROM generate_series(1, 0);
SELECT rfm_score(NULL::timestamptz, 1, 1) OVER () FROM generate_series(1, 2);

-- bins 2 and 9 on ten distinct values: 1 + floor(bins * below / 10).
SELECT id, rfm_score(last_purchase, orders, revenue, 2) OVER () AS two_bins,
       rfm_score(last_purchase, orders, revenue, 9) OVER () AS nine_bins,
       1 + floor(9 * (id - 1) / 10.0) AS expected_nine
FROM rfm_customers WHERE region = 'north' ORDER BY id;

-- Argument types: integer, bigint, numeric, real and double precision
-- frequency/monetary work without casts.
SELECT rfm_score(now(), 1::int, 2::numeric) OVER (), rfm_score(now(), 1::bigint, 2::float8) OVER (),
       rfm_score(now(), 1.5::numeric, 2::int) OVER (), rfm_score(now(), 1::real, 2::smallint) OVER ();

-- Special values rank like PostgreSQL orders them: -infinity < ... <
-- infinity for timestamps; for numbers -Infinity < ... < Infinity < NaN.
SELECT ts, m, rfm_score(ts, 1, m) OVER () AS s
FROM (VALUES (timestamptz '-infinity', float8 '-Infinity'), ('2024-01-01', 0), ('2024-01-02', -0.0),
             ('2024-01-03', 'Infinity'), ('infinity', 'NaN')) v(ts, m)
ORDER BY ts;

-- Errors: bins NULL or out of range, bins changing within a partition.
SELECT rfm_score(now(), 1, 1, NULL::integer) OVER ();
SELECT rfm_score(now(), 1, 1, 1) OVER ();
SELECT rfm_score(now(), 1, 1, 10) OVER ();
SELECT rfm_score(now(), 1, 1, i) OVER () FROM generate_series(2, 3) i;

-- ============================================================
-- rfm_model: the same scores from a stored model
-- ============================================================
CREATE TABLE rfm_models AS
SELECT region, rfm_model(last_purchase, orders, revenue) AS model
FROM rfm_customers GROUP BY region;
-- Text form: version, bins, n, then per dimension a shift (0 = exact)
-- and the distinct values with their counts; recency in microseconds
-- since 2000-01-01 UTC.
SELECT region, model FROM rfm_models ORDER BY region;
SELECT region, rfm_bins(model), rfm_population(model), rfm_is_exact(model) FROM rfm_models ORDER BY region;
-- the model gives the window's scores for every customer
SELECT c.id, rfm_score(m.model, c.last_purchase, c.orders, c.revenue) AS from_model,
       rfm_score(c.last_purchase, c.orders, c.revenue) OVER (PARTITION BY c.region) AS from_window
FROM rfm_customers c JOIN rfm_models m USING (region) ORDER BY c.id;
-- and scores newcomers against the stored population
SELECT rfm_score(model, '2024-03-20', 20, 1000) AS best, rfm_score(model, '2024-01-01', 0, 0) AS worst,
       rfm_score(model, '2024-03-05', 5, 50) AS middle, rfm_score(model, NULL, 1, 1) AS null_value
FROM rfm_models WHERE region = 'north';
-- the cut points: a value gets `score` when lower < value <= upper
SELECT * FROM rfm_thresholds((SELECT model FROM rfm_models WHERE region = 'south'));
-- bins 2
SELECT rfm_model(last_purchase, orders, revenue, 2) FROM rfm_customers WHERE region = 'north';
SELECT rfm_score(rfm_model(last_purchase, orders, revenue, 2), '2024-03-06', 6, 60) FROM rfm_customers WHERE region = 'north';
-- No rows or only NULLs: no model.
SELECT rfm_model(last_purchase, orders, revenue) IS NULL AS no_model FROM rfm_customers WHERE id IN (15, 16);

-- Text and binary round trips.
SELECT region, model::text::rfm_model::text = model::text AS text_round_trip,
       recv_try('rfm_model', rfm_model_send(model)) = model::text AS binary_round_trip
FROM rfm_models ORDER BY region;

-- Errors: NULL model or bins, bins changing, merging different bins.
SELECT rfm_score(NULL::rfm_model, now(), 1, 1);
SELECT rfm_model(now(), 1, 1, NULL::integer);
SELECT rfm_model(now(), 1, 1, i) FROM generate_series(2, 3) i;
SELECT rfm_model_merge(rfm_model(now(), 1, 1, 2), rfm_model(now(), 1, 1, 3)) FROM generate_series(1, 2);

-- Bad text input for rfm_model.
CREATE FUNCTION model_detail(v text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE d text;
BEGIN
  PERFORM v::rfm_model;
  RETURN 'accepted';
EXCEPTION WHEN others THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || d;
END $$;
SELECT v AS input, model_detail(v) AS result
FROM unnest(ARRAY[
  '',
  'v1 bins=5 n=1 r=0:0 f=0:1 m=0:1',
  'v2 bins=5 n=1 r=0:0 f=0:1 m=0:1',
  'v1 bins=1 n=1 r=0:0 f=0:1 m=0:1',
  'v1 bins=5 n=0 r=0:0 f=0:1 m=0:1',
  'v1 bins=5 n=2 r=0:0 f=0:1 m=0:1',
  'v1 bins=5 n=2 r=0:0,0 f=0:1*2 m=0:1*2',
  'v1 bins=5 n=2 r=0:5,1 f=0:1*2 m=0:1*2',
  'v1 bins=5 n=2 r=0:0*2 f=0:1*2 m=0:1*0,2*2',
  'v1 bins=5 n=1 r=64:0 f=0:1 m=0:1',
  'v1 bins=5 n=1 r=0:0 f=0:x m=0:1',
  'v1 bins=5 n=1 r=0:0 f=0:1 m=0:1 extra',
  'v1 bins=5 n=1 r=0:0 m=0:1 f=0:1',
  'v1 bins=5 n=1 r=0:99999999999999999999 f=0:1 m=0:1',
  'v1 bins=5 n=1 r=0:0 f=0:1e999 m=0:1',
  'v1 bins=5 n=1 r=0: f=0:1 m=0:1']) v;

-- Bad binary input for rfm_model: every length, count and value checked.
-- The binary form of a one-customer model is 75 bytes: version, bins of
-- recency, frequency, monetary, n (8), then per dimension shift (1),
-- number of values (4) and (key, count) pairs of 8 bytes each; we break
-- one thing at a time.  0.1.0's form (version 1) had one bins byte.
CREATE TEMP TABLE one AS SELECT rfm_model_send('v2 bins=5 n=1 r=0:0 f=0:1 m=0:-2') AS b;
SELECT length(b), recv_try('rfm_model', b) AS valid FROM one;
SELECT label, recv_try('rfm_model', bad) AS result FROM one, LATERAL (VALUES
  ('version 1 (0.1.0)',   '\x0105'::bytea || substring(b from 5)),
  ('version 1, 3 bins',   '\x0103'::bytea || substring(b from 5)),
  ('per dimension',       set_byte(set_byte(b, 2, 3), 3, 4)),
  ('empty',               '\x'::bytea),
  ('truncated',           substring(b from 1 for 40)),
  ('bytes left over',     b || '\x00'::bytea),
  ('version 3',           set_byte(b, 0, 3)),
  ('bins 10',             set_byte(b, 1, 10)),
  ('monetary bins 1',     set_byte(b, 3, 1)),
  ('n = 2',               set_byte(b, 11, 2)),
  ('shift 64',            set_byte(b, 12, 64)),
  ('2^31-1 values',       overlay(b placing '\x7fffffff' from 14 for 4)),
  ('zero count',          set_byte(b, 32, 0)),
  ('a NaN bit pattern',   overlay(b placing '\xfff0000000000001' from 39 for 8)),
  ('-0 bit pattern',      overlay(b placing '\x7fffffffffffffff' from 60 for 8))
) v(label, bad);

-- ============================================================
-- Parallel: serial = forced-parallel rfm_model on a regular table
-- ============================================================
CREATE TABLE rfm_population AS
SELECT i::int AS id,
       timestamptz '2024-01-01' + ((i * 7919) % 50000) * interval '1 minute' AS last_purchase,
       1 + (i * 31) % 40 AS orders,
       round(((i * 104729) % 100000) / 100.0, 2) AS revenue
FROM generate_series(1, 60000::bigint) i;
ANALYZE rfm_population;
CREATE TEMP TABLE serial_model AS SELECT rfm_model(last_purchase, orders, revenue) AS m FROM rfm_population;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
\i test/force_parallel_on.psql
EXPLAIN (COSTS OFF) SELECT rfm_model(last_purchase, orders, revenue) FROM rfm_population;
SELECT (SELECT m::text FROM serial_model) = (SELECT rfm_model(last_purchase, orders, revenue)::text FROM rfm_population)
       AS parallel_equals_serial;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
\i test/force_parallel_off.psql
-- 50,000 distinct purchase minutes and 100,000 possible revenues are more
-- than the 4,096 exact values a dimension keeps: recency now compares
-- at 2^shift microseconds, revenue at 2^(shift-52) relative precision,
-- frequency (40 values) stays exact.
SELECT rfm_is_exact(m), substring(m::text from 'r=[0-9]+') AS r_shift, substring(m::text from 'f=[0-9]+') AS f_shift,
       substring(m::text from 'm=[0-9]+') AS m_shift, length(m::text) < 200000 AS bounded
FROM serial_model;
-- Scores differ from the exact window only for customers whose values
-- fall within that precision of a cut point.
SELECT count(*) AS customers,
       count(*) FILTER (WHERE from_model <> from_window) AS differ,
       count(*) FILTER (WHERE frequency_score(from_model) <> frequency_score(from_window)) AS differ_on_frequency
FROM (SELECT rfm_score((SELECT m FROM serial_model), last_purchase, orders, revenue) AS from_model,
             rfm_score(last_purchase, orders, revenue) OVER () AS from_window
      FROM rfm_population) s;

-- ============================================================
-- Named segments
-- ============================================================
-- The default map on R and FM = (F + M) / 2, for 5 bins:
SELECT recency_score(s) AS r,
       string_agg(format('%s %s', ((frequency_score(s) + monetary_score(s)) / 2.0)::numeric(2,1), rfm_segment(s)), ', '
                  ORDER BY frequency_score(s) + monetary_score(s)) AS "fm segment"
FROM (SELECT DISTINCT ON (r, (f + m)) rfm(r, f, m) AS s
      FROM generate_series(1, 5) r, generate_series(1, 5) f, generate_series(1, 5) m ORDER BY r, (f + m), f) c
GROUP BY 1 ORDER BY 1 DESC;
-- every one of the 11 segments is used
SELECT rfm_segment(rfm(r, f, m)) AS segment, count(*) AS cells
FROM generate_series(1, 5) r, generate_series(1, 5) f, generate_series(1, 5) m GROUP BY 1 ORDER BY 2 DESC, 1;
-- rfm_segment_map() is the same map as jsonb, to copy and edit
SELECT count(*) AS cells, count(*) FILTER (WHERE rfm_segment(s) = rfm_segment(s, rfm_segment_map())) AS same
FROM (SELECT rfm(r, f, m) AS s FROM generate_series(1, 5) r, generate_series(1, 5) f, generate_series(1, 5) m) c;
-- Other bins: each score is mapped to the 1..5 scale as
-- round(1 + 4 (s - 1) / (bins - 1)) first.
SELECT s, rfm_segment(s) FROM unnest('{111/2,222/2,212/2,121/2,999/9,111/9,599/9,955/9,533/9}'::rfm[]) s;
SELECT rfm_segment(NULL::rfm) IS NULL AS null_gives_null;

-- A user map: first matching rule wins, no match gives NULL.
SELECT s, rfm_segment(s, '[{"segment": "VIP", "m": [5, 5]},
                          {"segment": "Recent", "r": [4, 5], "f": [1, 5]},
                          {"segment": "Mid", "fm": [2.5, 3.5]}]') AS segment
FROM unnest('{155,515,433,133,111}'::rfm[]) s;
SELECT rfm_segment(NULL, '[{"segment": "x"}]') AS null_rfm;
SELECT rfm_segment('111', NULL);

-- Invalid maps say what is wrong.
CREATE FUNCTION map_try(map text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE d text;
BEGIN
  RETURN rfm_segment('111', map::jsonb);
EXCEPTION WHEN others THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || SQLERRM || ': ' || d;
END $$;
SELECT map AS map, map_try(map) AS result
FROM unnest(ARRAY['{}', '"Champions"', '[]', '[1]', '[{"r": [1, 5]}]', '[{"segment": ""}]',
                  '[{"segment": 5}]', '[{"segment": "a", "x": [1, 2]}]', '[{"segment": "a", "r": 1}]',
                  '[{"segment": "a", "r": [1]}]', '[{"segment": "a", "r": [3, 1]}]',
                  '[{"segment": "a", "r": ["1", 2]}]', '[{"segment": "a"}, {"segment": "b", "fm": [1, 2, 3]}]']) map;
-- the message with its hint
SELECT rfm_segment('111', '[]');

-- ============================================================
-- A scale per dimension (0.2.0)
-- ============================================================
-- Text: three digits after the slash are the recency, frequency and
-- monetary bins; three equal scales are the one-scale value.
SELECT v, v::text::rfm = v AS round_trip, recency_score(v) AS r, frequency_score(v) AS f,
       monetary_score(v) AS m, rfm_bins(v), rfm_scales(v), rfm_segment(v)
FROM unnest('{532/543,5-3-2/5-4-3,543/555,876/9,111/292,929/929,543}'::rfm[]) v;
SELECT rfm(5, 3, 2, ARRAY[5, 4, 3]), rfm(5, 3, 2, ARRAY[5, 5, 5]), rfm(NULL, 3, 2, ARRAY[5, 4, 3]);
-- bad per-dimension text and arguments
CREATE FUNCTION rfm_text_try(t text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE d text;
BEGIN
  RETURN t::rfm::text;
EXCEPTION WHEN others THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || d;
END $$;
SELECT t AS input, rfm_text_try(t) AS result
FROM unnest(ARRAY['632/543', '542/543', '532/54', '532/5432', '532/1', '532/155', '532/5-43', '532/a',
                  '532/', '5-3-2/543', '532/5-4-3', '532/5 4 3']) t;
SELECT rfm(5, 3, 2, NULL::integer[]);
SELECT rfm(5, 3, 2, ARRAY[5, 4]);
SELECT rfm(5, 3, 2, ARRAY[5, 4, 10]);
SELECT rfm(5, 3, 2, ARRAY[5, NULL, 3]);
SELECT rfm(5, 3, 2, ARRAY[[5, 4, 3]]);
SELECT rfm(5, 5, 2, ARRAY[5, 4, 3]);
-- Binary: seven bytes r, f, m, 0, then the three bins; checked like text.
SELECT rfm_send('532/543'), rfm_send('543/555');
SELECT b AS bytes, recv_try('rfm', b) AS result
FROM unnest(ARRAY['\x05030200050403', '\x05030200050505', '\x050302000504', '\x0503020005040300',
                  '\x06030200050403', '\x05030200010403', '\x050302000504ff', '\x05030200']::bytea[]) b;
-- Order: by scores, then the recency, frequency and monetary bins; a
-- one-scale value orders as in 0.1.0.
SELECT v, rank() OVER (ORDER BY v), rfm_hash(v) = rfm_hash(v::text::rfm) AS hash_stable
FROM unnest('{532/9,532,532/553,532/543,532/643,432/9,533/543}'::rfm[]) v ORDER BY v;

-- The window function with bins integer[]: each dimension ranked on its
-- own scale (write the array as ARRAY[...] or '{...}'::int[]; an untyped
-- '{5,3,2}' is ambiguous with the integer form).
SELECT id, region, rfm_score(last_purchase, orders, revenue, ARRAY[5, 3, 2]) OVER (PARTITION BY region) AS scales_532,
       rfm_score(last_purchase, orders, revenue, '{9,2,4}'::int[]) OVER (PARTITION BY region) AS scales_924
FROM rfm_customers ORDER BY id;
-- ... equals the model with the same scales
CREATE TEMP TABLE rfm_models_532 AS
SELECT region, rfm_model(last_purchase, orders, revenue, ARRAY[5, 3, 2]) AS model FROM rfm_customers GROUP BY region;
SELECT count(*) AS customers,
       count(*) FILTER (WHERE w IS NOT DISTINCT FROM rfm_score(m.model, c.last_purchase, c.orders, c.revenue)) AS model_equals_window
FROM (SELECT *, rfm_score(last_purchase, orders, revenue, ARRAY[5, 3, 2]) OVER (PARTITION BY region) AS w
      FROM rfm_customers) c JOIN rfm_models_532 m USING (region);
SELECT region, model, rfm_bins(model), rfm_scales(model) FROM rfm_models_532 ORDER BY region;
SELECT dimension, score, customers FROM rfm_thresholds((SELECT model FROM rfm_models_532 WHERE region = 'north'));
SELECT region, model::text::rfm_model::text = model::text AS text_round_trip,
       recv_try('rfm_model', rfm_model_send(model)) = model::text AS binary_round_trip
FROM rfm_models_532 ORDER BY region;
-- 0.1.0's text (version 1, one scale) still reads; version 1 has no
-- per-dimension bins
SELECT 'v1 bins=3 n=2 r=0:0,86400000000 f=0:1*2 m=0:9.5,20'::rfm_model;
SELECT 'v1 bins=3,2,4 n=2 r=0:0,86400000000 f=0:1*2 m=0:9.5,20'::rfm_model;
SELECT 'v2 bins=3,2 n=2 r=0:0,86400000000 f=0:1*2 m=0:9.5,20'::rfm_model;
SELECT 'v2 bins=3,2,10 n=2 r=0:0,86400000000 f=0:1*2 m=0:9.5,20'::rfm_model;
SELECT 'v3 bins=3 n=2 r=0:0,86400000000 f=0:1*2 m=0:9.5,20'::rfm_model;
-- errors: NULL bins, bins changing, merging different scales
SELECT rfm_score(now(), 1, 1, NULL::int[]) OVER ();
SELECT rfm_score(now(), 1, 1, ARRAY[5, 3, i]) OVER () FROM generate_series(2, 3) i;
SELECT rfm_model(now(), 1, 1, NULL::int[]);
SELECT rfm_model(now(), 1, 1, ARRAY[5, 3, i]) FROM generate_series(2, 3) i;
SELECT rfm_model_merge(rfm_model(now(), 1, 1, ARRAY[5, 3, 2]), rfm_model(now(), 1, 1, 5)) FROM generate_series(1, 2);

-- Segments: each dimension is mapped from its own scale to 1..5 first,
-- so 9 on a 9-scale and 3 on a 3-scale are both 5.
SELECT v, rfm_segment(v) FROM unnest('{933/933,333/933,511/533,133/933,911/922}'::rfm[]) v;

-- ============================================================
-- Fixed cut points
-- ============================================================
-- Recency cuts are ages, decreasing: 5 within 7 days, 4 within 14, 3
-- within 30, 2 within 60, else 1; frequency and monetary cuts increasing:
-- 1 + the number of cuts <= the value.
SELECT age, f, m,
       rfm_score_fixed(timestamptz '2024-06-30' - age, f, m, '2024-06-30',
                       '{60 days,30 days,14 days,7 days}', '{2,5,10,20}', '{100,1000}') AS s
FROM (VALUES (interval '0', 1::float8, 0::float8), ('7 days', 2, 99.99), ('7 days 00:00:01', 5, 100), ('14 days', 19, 999),
             ('30 days', 20, 1000), ('59 days', 100, 1e6), ('60 days 00:00:00.000001', 0, -1),
             ('-1 day', 'NaN', 'Infinity'), ('1 month', 2, 100)) v(age, f, m);
SELECT rfm_score_fixed(NULL, 1, 1, now(), '{7 days}', '{2}', '{5}') AS null_purchase,
       rfm_score_fixed(now(), NULL, 1, now(), '{7 days}', '{2}', '{5}') AS null_frequency;
CREATE FUNCTION fixed_try(r text, f text, m text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE d text;
BEGIN
  RETURN rfm_score_fixed(timestamptz '2024-06-01', 1, 1, timestamptz '2024-06-30', r::interval[], f::float8[], m::float8[]);
EXCEPTION WHEN others THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || SQLERRM || coalesce(': ' || nullif(d, ''), '');
END $$;
SELECT r, f, m, fixed_try(r, f, m) AS result
FROM (VALUES ('{7 days,14 days}', '{1}', '{1}'), ('{7 days,7 days}', '{1}', '{1}'), ('{}', '{1}', '{1}'),
             ('{7 days}', '{2,1}', '{1}'), ('{7 days}', '{1}', '{1,1}'), ('{7 days}', '{1,NULL}', '{1}'),
             ('{7 days}', '{1,2,3,4,5,6,7,8,9}', '{1}'), ('{7 days}', '{{1,2}}', '{1}'),
             ('{7 days}', '{1,NaN}', '{1}'), (NULL, '{1}', '{1}'), ('{8 days,7 days}', '{1,2,3,4,5,6,7,8}', '{-Infinity}')) v(r, f, m);
SELECT rfm_score_fixed(now(), 1, 1, NULL, '{7 days}', '{2}', '{5}');
-- The hint says how cuts are written.
SELECT rfm_score_fixed(now(), 1, 1, now(), '{7 days,14 days}', '{2}', '{5}');

-- ============================================================
-- Where to spend effort: each segment's priority and action
-- ============================================================
SELECT * FROM rfm_segment_actions();
-- a user map may carry them too (rules without one give NULL)
SELECT * FROM rfm_segment_actions('[{"segment": "VIP", "m": [5, 5], "priority": 1, "action": "call"},
                                    {"segment": "Rest"}, {"segment": "VIP", "priority": 9}]');
SELECT s, rfm_segment(s, '[{"segment": "VIP", "m": [5, 5], "priority": 1, "action": "call"}, {"segment": "Rest"}]')
FROM unnest('{155,111}'::rfm[]) s;
SELECT map_try('[{"segment": "a", "action": 1}]') AS bad_action, map_try('[{"segment": "a", "priority": "high"}]') AS bad_priority;
-- the effort table: segment, customers, revenue share, action
SELECT a.priority, s.segment, count(*) AS customers,
       round(sum(c.revenue) / sum(sum(c.revenue)) OVER (), 3) AS revenue_share, a.action
FROM (SELECT *, rfm_segment(rfm_score(last_purchase, orders, revenue) OVER ()) AS segment
      FROM rfm_customers WHERE revenue IS NOT NULL AND orders IS NOT NULL) s
JOIN rfm_segment_actions() a USING (segment) JOIN rfm_customers c USING (id)
GROUP BY a.priority, s.segment, a.action ORDER BY a.priority;

-- ============================================================
-- Migration between segments: rfm_transitions
-- ============================================================
-- Last month's and this month's scores of 12 customers: two are new
-- (no score before), one is gone (no score after).
CREATE TEMP TABLE rfm_months (id int, before rfm, after rfm);
INSERT INTO rfm_months VALUES
  (1, '555', '555'), (2, '555', '155'), (3, '544', '144'), (4, '511', '211'), (5, '311', '111'),
  (6, '444', '545'), (7, '222', '111'), (8, '111', '111'), (9, '355', NULL), (10, NULL, '511'),
  (11, NULL, '511'), (12, '533', '155');
SELECT rfm_transitions(before, after) FROM rfm_months;
SELECT * FROM rfm_transition_rows((SELECT rfm_transitions(before, after) FROM rfm_months));
-- the same from plain SQL
SELECT rfm_segment(before) AS from_segment, rfm_segment(after) AS to_segment, count(*) AS customers
FROM rfm_months GROUP BY 1, 2 ORDER BY 1 NULLS FIRST, 2 NULLS FIRST;
-- with a map; customers matching no rule on either side are not counted
SELECT * FROM rfm_transition_rows((SELECT rfm_transitions(before, after, '[{"segment": "recent", "r": [4, 5]}]')
                                   FROM rfm_months));
SELECT rfm_transitions(before, after, NULL) FROM rfm_months;
-- rollup of parts equals the whole; no rows give NULL
SELECT (SELECT rollup(t)::text FROM (SELECT rfm_transitions(before, after) AS t FROM rfm_months GROUP BY id % 3) p)
     = (SELECT rfm_transitions(before, after)::text FROM rfm_months) AS rollup_equals_whole;
SELECT rfm_transitions(before, after) IS NULL AS no_rows FROM rfm_months WHERE false;
SELECT rfm_transitions(NULL::rfm, NULL::rfm) IS NULL AS only_nulls;
-- text and binary round trips, and names that need quoting
SELECT t::text::rfm_transitions::text = t::text AS text_round_trip,
       recv_try('rfm_transitions', rfm_transitions_send(t)) = t::text AS binary_round_trip
FROM (SELECT rfm_transitions(before, after) AS t FROM rfm_months) x;
SELECT 'v1 null>"say \"hi\" \\ bye"*2'::rfm_transitions, 'v1'::rfm_transitions AS empty;
-- bad text input
CREATE FUNCTION trans_try(t text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE d text;
BEGIN
  RETURN t::rfm_transitions::text;
EXCEPTION WHEN others THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || SQLERRM || coalesce(': ' || nullif(d, ''), '');
END $$;
SELECT t AS input, trans_try(t) AS result
FROM unnest(ARRAY['', 'v2 "a">"b"*1', 'v1 "a">"b"', 'v1 "a">"b"*0', 'v1 "a">"b"*-1', 'v1 null>null*1',
                  'v1 "b">"a"*1,"a">"b"*1', 'v1 "a">"b"*1,"a">"b"*1', 'v1 "a>"b"*1', 'v1 ""->"b"*1',
                  'v1 "a"<"b"*1', 'v1 "a">"b"*1 ', 'v1 "a\x">"b"*1', 'v1 "a">"b"*9223372036854775808',
                  'v1 "a">"b"*9223372036854775807,"a">"c"*1', 'v1 a>"b"*1']) t;
-- bad binary input: version, pairs, flags, lengths, order, counts
SELECT rfm_transitions_send('v1 "a">null*3');
SELECT b AS bytes, recv_try('rfm_transitions', b) AS result
FROM unnest(ARRAY['\x0100000001010000000161000000000000000003', '\x', '\x0200000000', '\x01ffffffff',
                  '\x0100000001020000000161000000000000000003', '\x0100000001010000000000000000000000000003',
                  '\x0100000001010000000561000000000000000003', '\x0100000001010000000161000000000000000000',
                  '\x010000000100000000000000000003', '\x010000000101000000016100000000000000000300',
                  '\x01000000010100000001ff00000000000000000003', '\x0100000000',
                  '\x0100000002010000000162000000000000000001010000000161000000000000000001']::bytea[]) b;
-- counts past 2^63 - 1 in a merge are an error, not a wrapped count
SELECT rfm_transitions_merge('v1 "a">null*9223372036854775807', 'v1 "b">null*1');
SELECT rfm_transitions_add('v1 "a">null*9223372036854775807', '555', '555');
-- serial = forced parallel, with a Partial Aggregate plan
CREATE TABLE rfm_month_pairs AS
SELECT i AS id, rfm(1 + i % 5, 1 + (i / 5) % 5, 1 + (i / 25) % 5) AS before,
       CASE WHEN i % 11 = 0 THEN NULL ELSE rfm(1 + (i * 7) % 5, 1 + (i / 3) % 5, 1 + (i / 13) % 5) END AS after
FROM generate_series(1, 60000) i;
ANALYZE rfm_month_pairs;
CREATE TEMP TABLE serial_transitions AS SELECT rfm_transitions(before, after) AS t FROM rfm_month_pairs;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
\i test/force_parallel_on.psql
EXPLAIN (COSTS OFF) SELECT rfm_transitions(before, after) FROM rfm_month_pairs;
SELECT (SELECT t::text FROM serial_transitions) = (SELECT rfm_transitions(before, after)::text FROM rfm_month_pairs)
       AS parallel_equals_serial;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
\i test/force_parallel_off.psql
SELECT sum(customers) AS customers, count(*) AS pairs FROM rfm_transition_rows((SELECT t FROM serial_transitions));
DROP TABLE rfm_month_pairs;

DROP TABLE rfm_cells, rfm_customers, rfm_models, rfm_population;

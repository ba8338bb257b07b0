-- timeline: the journey type, one customer's events in time order as one
-- value (exact timestamps, a label per event, optional exact amounts),
-- built by journey_agg, merged by journey_merge / rollup, read back by
-- journey_events and the per-label readers.

SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

CREATE TABLE tl_events (customer_id int, ts timestamptz, label text, amount numeric);
INSERT INTO tl_events VALUES
  (1, '2026-01-05 10:00:00+00', 'signup',   NULL),
  (1, '2026-01-05 10:20:00+00', 'activate', NULL),
  (1, '2026-01-09 08:30:00.25+00', 'purchase', 19.90),
  (1, '2026-02-01 12:00:00+00', 'purchase', 5),
  (2, '2026-01-07 00:00:00+00', 'signup',   NULL),
  (2, '2026-01-07 00:00:00+00', 'view',     NULL),
  (2, '2026-01-07 00:00:00+00', 'activate', NULL),
  (3, '2026-03-01 09:00:00+00', 'purchase', 120);

-- one journey per customer; the text form prints UTC, microseconds when
-- there are any, the label, and the amount when there is one
SELECT customer_id, journey_agg(ts, label, amount) AS j
FROM tl_events GROUP BY customer_id ORDER BY customer_id;
SELECT customer_id, journey_agg(ts, label) AS j
FROM tl_events GROUP BY customer_id ORDER BY customer_id;
CREATE TABLE tl_journeys AS
SELECT customer_id, journey_agg(ts, label, amount) AS j FROM tl_events GROUP BY customer_id;

-- the readers
SELECT customer_id, num_events(j), first_at(j), last_at(j), journey_labels(j)
FROM tl_journeys ORDER BY customer_id;
SELECT customer_id, num_events(j, 'purchase'), first_at(j, 'purchase'), last_at(j, 'purchase'),
       total_amount(j, 'purchase'), total_amount(j, 'signup') AS no_amounts,
       num_events(j, 'refund') AS absent, first_at(j, 'refund') AS absent_first
FROM tl_journeys ORDER BY customer_id;
SELECT * FROM journey_events((SELECT j FROM tl_journeys WHERE customer_id = 1));

-- the session's TimeZone and DateStyle change how readers' timestamps
-- print, never the journey's text
SET timezone = 'America/New_York';
SET datestyle = 'SQL, DMY';
SELECT j, first_at(j) FROM tl_journeys WHERE customer_id = 1;
SELECT '{"2026-01-05 05:00:00-05" signup, "2026-01-05 11:20:00+01:00" activate}'::journey;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

-- the timestamp overloads take timestamps as UTC
SELECT journey_agg(ts::timestamp, label) AS from_timestamp,
       journey_agg(ts::timestamp, label)::text = journey_agg(ts, label)::text AS same
FROM tl_events WHERE customer_id = 1;
SELECT journey_agg(ts::timestamp, label, amount)::text = journey_agg(ts, label, amount)::text AS same_with_amounts
FROM tl_events;

-- ties: events at the same microsecond are ordered by label (byte order),
-- then amount (none first, then by value), whatever the input order;
-- identical events are all kept
SELECT journey_agg(ts, label, amount)
FROM (VALUES (4, '2026-01-01 00:00:00+00'::timestamptz, 'b', 2::numeric),
             (1, '2026-01-01 00:00:00+00', 'b', NULL),
             (3, '2026-01-01 00:00:00+00', 'B', 1),
             (2, '2026-01-01 00:00:00+00', 'b', 2),
             (5, '2026-01-01 00:00:00+00', 'a', 10),
             (6, '2026-01-01 00:00:00+00', 'b', -1)) v(k, ts, label, amount);
SELECT count(DISTINCT j::text) AS distinct_values
FROM (SELECT journey_agg(ts, label, amount ORDER BY k * o % 7) AS j
      FROM (VALUES (1, '2026-01-01'::timestamptz, 'x', 1::numeric), (2, '2026-01-01', 'x', 1),
                   (3, '2026-01-01', 'y', NULL), (4, '2026-01-01', 'x', NULL),
                   (5, '2026-01-01', 'x', 1.0), (6, '2025-12-31', 'z', 0)) v(k, ts, label, amount),
           generate_series(1, 6) o
      GROUP BY o) t;
SELECT num_events(journey_agg(ts, label)) FROM (VALUES ('2026-01-01'::timestamptz, 'x'), ('2026-01-01', 'x')) v(ts, label);

-- NULLs: rows with a NULL or infinite ts or a NULL label are skipped; a
-- NULL amount is an event without amount; no row left gives NULL
SELECT journey_agg(ts, label, amount)
FROM (VALUES ('2026-01-01'::timestamptz, 'a', 1::numeric), (NULL, 'b', 2), ('infinity', 'c', 3),
             ('-infinity', 'd', 4), ('2026-01-02', NULL, 5), ('2026-01-03', 'e', NULL)) v(ts, label, amount);
SELECT journey_agg(ts, label) IS NULL AS all_skipped
FROM (VALUES (NULL::timestamptz, 'a'), ('2026-01-01', NULL)) v(ts, label);
SELECT journey_agg(ts, label) IS NULL AS no_rows FROM tl_events WHERE false;
SELECT num_events(NULL::journey), first_at(NULL::journey), num_events(NULL::journey, 'a'),
       total_amount(j, NULL), journey_merge(j, NULL), journey_labels(NULL)
FROM tl_journeys WHERE customer_id = 1;
SELECT count(*) FROM journey_events(NULL);
-- the empty journey
SELECT '{}'::journey, num_events('{}'::journey), first_at('{}'::journey), last_at('{}'::journey),
       journey_labels('{}'), num_events('{}', 'a');
SELECT count(*) FROM journey_events('{}');
-- amounts must be finite numbers (an infinite numeric, PostgreSQL 14 and
-- later, is refused the same way: test/timeline.sql)
SELECT journey_agg(now(), 'a', 'NaN');

-- merge: the union of the events; daily parts rolled up equal the history
-- built at once
SELECT journey_merge('{"2026-01-02 00:00:00+00" b 1}', '{"2026-01-01 00:00:00+00" a, "2026-01-02 00:00:00+00" b 1}');
SELECT journey_merge(j, '{}')::text = j::text AS merge_empty FROM tl_journeys WHERE customer_id = 1;
CREATE TABLE tl_many AS
SELECT g % 50 AS customer_id,
       timestamptz '2026-01-01' + ((hashint4(g) & 65535) * 397) * interval '1 second' AS ts,
       (ARRAY['view', 'click', 'signup', 'login', 'search', 'cart', 'purchase', 'refund'])[1 + (hashint4(g * 7) & 7)] AS label,
       CASE WHEN g % 3 = 0 THEN ((hashint4(g * 13) & 100000) / 100.0) END AS amount
FROM generate_series(1, 5000) g;
WITH daily AS (SELECT customer_id, ts::date AS day, journey_agg(ts, label, amount) AS j
               FROM tl_many GROUP BY 1, 2),
     rolled AS (SELECT customer_id, rollup(j) AS j FROM daily GROUP BY 1),
     whole AS (SELECT customer_id, journey_agg(ts, label, amount) AS j FROM tl_many GROUP BY 1)
SELECT count(*) AS customers, count(*) FILTER (WHERE r.j::text = w.j::text) AS rollup_equals_whole
FROM rolled r JOIN whole w USING (customer_id);
SELECT bool_and(journey_merge(a.j, b.j)::text = w.j::text AND journey_merge(b.j, a.j)::text = w.j::text) AS merge_equals_whole
FROM (SELECT customer_id, journey_agg(ts, label, amount) j FROM tl_many WHERE ts < '2026-06-01' GROUP BY 1) a
JOIN (SELECT customer_id, journey_agg(ts, label, amount) j FROM tl_many WHERE ts >= '2026-06-01' GROUP BY 1) b USING (customer_id)
JOIN (SELECT customer_id, journey_agg(ts, label, amount) j FROM tl_many GROUP BY 1) w USING (customer_id);
-- journey_events gives back exactly the rows
SELECT count(*) AS rows_differing FROM (
  (SELECT customer_id, ts, label, amount FROM tl_many
   EXCEPT ALL
   SELECT customer_id, e.* FROM (SELECT customer_id, journey_agg(ts, label, amount) j FROM tl_many GROUP BY 1) t, journey_events(j) e)
  UNION ALL
  (SELECT customer_id, e.* FROM (SELECT customer_id, journey_agg(ts, label, amount) j FROM tl_many GROUP BY 1) t, journey_events(j) e
   EXCEPT ALL
   SELECT customer_id, ts, label, amount FROM tl_many)) d;
-- per-label readers equal plain SQL aggregates
SELECT count(*) AS labels_differing FROM (
  SELECT customer_id, label, count(*) n, min(ts) f, max(ts) l, sum(amount) s FROM tl_many GROUP BY 1, 2
  EXCEPT
  SELECT customer_id, lab, num_events(j, lab), first_at(j, lab), last_at(j, lab), total_amount(j, lab)
  FROM (SELECT customer_id, journey_agg(ts, label, amount) j FROM tl_many GROUP BY 1) t, unnest(journey_labels(j)) lab) d;

-- size: on these 100 events per customer over 9 months with 8 labels and
-- amounts on a third of them
SELECT count(*) AS customers, sum(num_events(j)) AS events,
       round(sum(pg_column_size(j))::numeric / sum(num_events(j)), 2) AS bytes_per_event
FROM (SELECT customer_id, journey_agg(ts, label, amount) j FROM tl_many GROUP BY 1) t;
SELECT round(sum(pg_column_size(j))::numeric / sum(num_events(j)), 2) AS bytes_per_event_no_amounts
FROM (SELECT customer_id, journey_agg(ts, label) j FROM tl_many GROUP BY 1) t;

-- a large journey: 20000 events, 300 labels, many ties, some amounts
-- beyond 62 bits
CREATE TABLE tl_big AS
SELECT timestamptz '2026-01-01' + (hashint4(g) & 4095) * interval '1 minute' AS ts,
       'label ' || (g % 300) AS label,
       CASE WHEN g % 5 = 0 THEN round(g / 7.0, 2) WHEN g % 997 = 0 THEN 1e30 + g END AS amount
FROM generate_series(1, 20000) g;
CREATE TABLE tl_big_j AS SELECT journey_agg(ts, label, amount ORDER BY g) AS j
FROM (SELECT *, hashint4(length(label) + (extract(epoch FROM ts))::int) AS g FROM tl_big) t;
SELECT num_events(j), array_length(journey_labels(j), 1) AS labels,
       j::text::journey::text = j::text AS text_round_trip,
       test_recv('journey', journey_send(j)) = j::text AS binary_round_trip
FROM tl_big_j;
SELECT count(*) AS rows_differing FROM (
  (SELECT ts, label, amount FROM tl_big EXCEPT ALL SELECT e.* FROM tl_big_j, journey_events(j) e)
  UNION ALL
  (SELECT e.* FROM tl_big_j, journey_events(j) e EXCEPT ALL SELECT ts, label, amount FROM tl_big)) d;
SELECT journey_merge((SELECT journey_agg(ts, label, amount) FROM tl_big WHERE label < 'label 2'),
                     (SELECT journey_agg(ts, label, amount) FROM tl_big WHERE label >= 'label 2'))::text
     = (SELECT j::text FROM tl_big_j) AS merge_equals_whole;

-- as a window aggregate (the final function sorts the state in place,
-- which leaves the same events): a running history
SELECT ts, label, num_events(journey_agg(ts, label) OVER w) AS so_far,
       journey_labels(journey_agg(ts, label) OVER w) AS labels_so_far
FROM tl_events WHERE customer_id = 1
WINDOW w AS (ORDER BY ts);
-- rows arriving out of time order after the state was finalized and sorted
SELECT label, ts, journey_agg(ts, label, amount) OVER (ORDER BY ts DESC) AS j
FROM tl_events WHERE customer_id = 1;

-- extreme values round-trip in text and binary: the first and last
-- representable microseconds, huge and tiny amounts, labels with quotes,
-- backslashes, spaces, commas, braces, non-ASCII and the empty string
CREATE TABLE tl_extreme AS
SELECT journey_agg(ts, label, amount) AS j
FROM (VALUES ('4714-11-24 00:00:00+00 BC'::timestamptz, 'first', 1e-18),
             ('294276-12-31 23:59:59.999999+00', 'last', -99999999999999999999999999999999999999.5),
             ('2026-01-01 00:00:00.000001+00', 'say "hi" \ there, {now}', 0.000000000000000000001),
             ('2026-01-01 00:00:00.000001+00', '', 4611686018427387903),
             ('2026-01-01 00:00:00.000001+00', 'été 東京', 4611686018427387904),
             ('2026-01-01 00:00:00.000001+00', 'été 東京', NULL),
             ('1999-12-31 23:59:59.999999+00', '123', 0),
             ('1999-12-31 23:59:59.999999+00', '123', 1e20),
             ('1999-12-31 23:59:59.999999+00', '123', 4e18),
             ('1999-12-31 23:59:59.999999+00', '123', -4.611686018427387903)) v(ts, label, amount);
SELECT j FROM tl_extreme;
SELECT j::text::journey::text = j::text AS text_round_trip,
       test_recv('journey', journey_send(j)) = j::text AS binary_round_trip
FROM tl_extreme;
SELECT * FROM journey_events((SELECT j FROM tl_extreme));

-- COPY round trips, text and binary
CREATE TABLE tl_copy AS
SELECT customer_id, journey_agg(ts, label, amount) AS j FROM tl_many GROUP BY 1
UNION ALL SELECT -1, j FROM tl_extreme
UNION ALL SELECT -2, '{}';
\copy tl_copy TO 'results/timeline.txt'
\copy tl_copy TO 'results/timeline.bin' WITH (FORMAT binary)
CREATE TABLE tl_copy_text (LIKE tl_copy);
CREATE TABLE tl_copy_bin (LIKE tl_copy);
\copy tl_copy_text FROM 'results/timeline.txt'
\copy tl_copy_bin FROM 'results/timeline.bin' WITH (FORMAT binary)
SELECT count(*) AS rows_back,
       bool_and(a.j::text = t.j::text) AS text_identical,
       bool_and(a.j::text = b.j::text) AS binary_identical,
       bool_and(pg_column_size(a.j) = pg_column_size(b.j)) AS same_size
FROM tl_copy a JOIN tl_copy_text t USING (customer_id) JOIN tl_copy_bin b USING (customer_id);

-- malformed text
\set SHOW_CONTEXT never
SELECT ''::journey;
SELECT 'garbage'::journey;
SELECT '{'::journey;
SELECT '{} x'::journey;
SELECT '{,}'::journey;
SELECT '{"2026-01-01 00:00:00+00"}'::journey;
SELECT '{"2026-01-01 00:00:00+00"a}'::journey;
SELECT '{"2026-01-01 00:00:00+00" a'::journey;
SELECT '{"2026-01-01 00:00:00+00" a,}'::journey;
SELECT '{"2026-01-01 00:00:00+00" a "2026-01-02 00:00:00+00" b}'::journey;
SELECT '{"2026-01-01 00:00:00+00 a}'::journey;
SELECT '{2026-01-01 a}'::journey;
SELECT '{"2026-01-01 00:00:00" a}'::journey;
SELECT '{"2026-01-01" a}'::journey;
SELECT '{"infinity" a}'::journey;
SELECT '{"2026-13-01 00:00:00+00" a}'::journey;
SELECT '{"2026-02-29 00:00:00+00" a}'::journey;
SELECT '{"2026-01-01 24:00:00+00" a}'::journey;
SELECT '{"2026-01-01 00:00:60+00" a}'::journey;
SELECT '{"2026-01-01 00:00:00.1234567+00" a}'::journey;
SELECT '{"2026-01-01 00:00:00+16" a}'::journey;
SELECT '{"294277-01-01 00:00:00+00" a}'::journey;
SELECT '{"4714-11-23 23:59:59+00 BC" a}'::journey;
SELECT '{"0000-01-01 00:00:00+00" a}'::journey;
SELECT '{"2026-01-01 00:00:00+00" "a}'::journey;
SELECT '{"2026-01-01 00:00:00+00" "a\n"}'::journey;
SELECT '{"2026-01-01 00:00:00+00" a 1.2.3}'::journey;
SELECT '{"2026-01-01 00:00:00+00" a NaN}'::journey;
SELECT '{"2026-01-01 00:00:00+00" a Infinity}'::journey;
SELECT '{"2026-01-01 00:00:00+00" a 1e}'::journey;
SELECT '{"2026-01-01 00:00:00+00" a .}'::journey;
SELECT '{"2026-01-01 00:00:00+00" a -}'::journey;
SELECT '{"2026-01-01 00:00:00+00" a 1 2}'::journey;
SELECT '{"2026-01-01 00:00:00+00" a 1e999999999}'::journey;
SELECT '{"2026-01-01 00:00:00+00" "a"1}'::journey;
SELECT '{"2026-01-02 00:00:00+00" a, "2026-01-01 00:00:00+00" a}'::journey;
SELECT '{"2026-01-01 00:00:00+00" b, "2026-01-01 00:00:00+00" a}'::journey;
SELECT '{"2026-01-01 00:00:00+00" a 2, "2026-01-01 00:00:00+00" a 1}'::journey;
SELECT '{"2026-01-01 00:00:00+00" a 1, "2026-01-01 00:00:00+00" a}'::journey;
SELECT '{"2026-01-01 00:00:00+00" a}}'::journey;
-- accepted spellings: any offset, Z, T, an exponent, spaces around
SELECT ' { "2026-01-01T05:30:00+05:30" a 1.5e2 , "2026-01-01 00:00:00Z" "a" 150.00 } '::journey;

-- malformed binary: a crafted COPY BINARY file for each case (test_recv,
-- from sql/setup.sql, feeds the bytes to journey_recv); a valid payload is
-- version 1, the labels, the events
SELECT test_recv('journey', '\x01'::bytea || int4send(1) || int4send(1) || 'a'::bytea
                 || int4send(1) || int8send(0) || int4send(0) || '\x00'::bytea) AS valid;
SELECT test_recv('journey', '\x'::bytea);
SELECT test_recv('journey', '\x02'::bytea || int4send(0) || int4send(0));
SELECT test_recv('journey', '\x01'::bytea || int4send(0));
SELECT test_recv('journey', '\x01'::bytea || int4send(-1) || int4send(0));
SELECT test_recv('journey', '\x01'::bytea || int4send(1000000) || int4send(0));
SELECT test_recv('journey', '\x01'::bytea || int4send(1) || int4send(-5));
SELECT test_recv('journey', '\x01'::bytea || int4send(1) || int4send(100) || 'a'::bytea);
SELECT test_recv('journey', '\x01'::bytea || int4send(2) || int4send(1) || 'b'::bytea || int4send(1) || 'a'::bytea
                 || int4send(2) || int8send(0) || int4send(0) || '\x00'::bytea || int8send(0) || int4send(1) || '\x00'::bytea);
SELECT test_recv('journey', '\x01'::bytea || int4send(2) || int4send(1) || 'a'::bytea || int4send(1) || 'a'::bytea
                 || int4send(2) || int8send(0) || int4send(0) || '\x00'::bytea || int8send(0) || int4send(1) || '\x00'::bytea);
SELECT test_recv('journey', '\x01'::bytea || int4send(1) || int4send(1) || '\xff'::bytea
                 || int4send(1) || int8send(0) || int4send(0) || '\x00'::bytea);
SELECT test_recv('journey', '\x01'::bytea || int4send(0) || int4send(-1));
SELECT test_recv('journey', '\x01'::bytea || int4send(0) || int4send(1000000));
SELECT test_recv('journey', '\x01'::bytea || int4send(1) || int4send(1) || 'a'::bytea || int4send(0));
SELECT test_recv('journey', '\x01'::bytea || int4send(1) || int4send(1) || 'a'::bytea
                 || int4send(1) || int8send(0) || int4send(1) || '\x00'::bytea);
SELECT test_recv('journey', '\x01'::bytea || int4send(1) || int4send(1) || 'a'::bytea
                 || int4send(1) || int8send(0) || int4send(-1) || '\x00'::bytea);
SELECT test_recv('journey', '\x01'::bytea || int4send(1) || int4send(1) || 'a'::bytea
                 || int4send(1) || int8send(9223372036854775807) || int4send(0) || '\x00'::bytea);
SELECT test_recv('journey', '\x01'::bytea || int4send(1) || int4send(1) || 'a'::bytea
                 || int4send(1) || int8send(9223371331200000000) || int4send(0) || '\x00'::bytea);
SELECT test_recv('journey', '\x01'::bytea || int4send(1) || int4send(1) || 'a'::bytea
                 || int4send(1) || int8send(-211813488000000001) || int4send(0) || '\x00'::bytea);
SELECT test_recv('journey', '\x01'::bytea || int4send(1) || int4send(1) || 'a'::bytea
                 || int4send(2) || int8send(5) || int4send(0) || '\x00'::bytea || int8send(4) || int4send(0) || '\x00'::bytea);
SELECT test_recv('journey', '\x01'::bytea || int4send(2) || int4send(1) || 'a'::bytea || int4send(1) || 'b'::bytea
                 || int4send(2) || int8send(0) || int4send(1) || '\x00'::bytea || int8send(0) || int4send(0) || '\x00'::bytea);
SELECT test_recv('journey', '\x01'::bytea || int4send(1) || int4send(1) || 'a'::bytea
                 || int4send(2) || int8send(0) || int4send(0) || '\x01'::bytea || int4send(length(numeric_send(2))) || numeric_send(2)
                 || int8send(0) || int4send(0) || '\x01'::bytea || int4send(length(numeric_send(1))) || numeric_send(1));
SELECT test_recv('journey', '\x01'::bytea || int4send(1) || int4send(1) || 'a'::bytea
                 || int4send(1) || int8send(0) || int4send(0) || '\x02'::bytea);
SELECT test_recv('journey', '\x01'::bytea || int4send(1) || int4send(1) || 'a'::bytea
                 || int4send(1) || int8send(0) || int4send(0) || '\x01'::bytea || int4send(-1) || '\x0000000000000000'::bytea);
SELECT test_recv('journey', '\x01'::bytea || int4send(1) || int4send(1) || 'a'::bytea
                 || int4send(1) || int8send(0) || int4send(0) || '\x01'::bytea || int4send(100) || '\x0000000000000000'::bytea);
SELECT test_recv('journey', '\x01'::bytea || int4send(1) || int4send(1) || 'a'::bytea
                 || int4send(1) || int8send(0) || int4send(0) || '\x01'::bytea || int4send(8) || '\x0001000000000000'::bytea);
SELECT test_recv('journey', '\x01'::bytea || int4send(1) || int4send(1) || 'a'::bytea
                 || int4send(1) || int8send(0) || int4send(0) || '\x01'::bytea || int4send(length(numeric_send('NaN'))) || numeric_send('NaN'));
SELECT test_recv('journey', '\x01'::bytea || int4send(1) || int4send(1) || 'a'::bytea
                 || int4send(1) || int8send(0) || int4send(0) || '\x01'::bytea || int4send(length(numeric_send(1)) + 1) || numeric_send(1) || '\x00'::bytea);
SELECT test_recv('journey', '\x01'::bytea || int4send(2) || int4send(1) || 'a'::bytea || int4send(1) || 'b'::bytea
                 || int4send(2) || int8send(0) || int4send(0) || '\x00'::bytea || int8send(1) || int4send(0) || '\x00'::bytea);
SELECT test_recv('journey', '\x01'::bytea || int4send(1) || int4send(1) || 'a'::bytea
                 || int4send(1) || int8send(0) || int4send(0) || '\x00'::bytea || '\x00'::bytea);
\set SHOW_CONTEXT errors

-- a journey over 1 GB is an error, not a crash (labels of 1 MB each)
SET work_mem = '64MB';
SELECT num_events(journey_agg(timestamptz '2026-01-01' + g * interval '1 second', repeat(md5(g::text), 32768) || g))
FROM generate_series(1, 1100) g;
RESET work_mem;

-- serial and forced-parallel plans give the same journeys
CREATE TABLE tl_par AS
SELECT g % 1000 AS customer_id,
       timestamptz '2026-01-01' + ((hashint4(g) & 1048575) * 31) * interval '1 second' AS ts,
       (ARRAY['view', 'click', 'signup', 'login', 'search', 'cart', 'purchase', 'refund'])[1 + (hashint4(g * 7) & 7)] AS label,
       CASE WHEN g % 4 = 0 THEN (hashint4(g) & 1023) / 100.0 END AS amount
FROM generate_series(1, 100000) g;
ANALYZE tl_par;
CREATE TABLE tl_par_serial AS
SELECT customer_id, journey_agg(ts, label, amount)::text AS j FROM tl_par GROUP BY 1;
CREATE TABLE tl_par_whole AS SELECT journey_agg(ts, label, amount)::text AS j FROM tl_par WHERE customer_id < 20;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
\i test/force_parallel_on.psql
EXPLAIN (COSTS OFF) SELECT customer_id, journey_agg(ts, label, amount) FROM tl_par GROUP BY 1;
SELECT count(*) AS customers_differing FROM (
  (SELECT customer_id, journey_agg(ts, label, amount)::text FROM tl_par GROUP BY 1) EXCEPT (SELECT * FROM tl_par_serial)) x;
EXPLAIN (COSTS OFF) SELECT journey_agg(ts, label, amount) FROM tl_par WHERE customer_id < 20;
SELECT journey_agg(ts, label, amount)::text = (SELECT j FROM tl_par_whole) AS parallel_equals_serial
FROM tl_par WHERE customer_id < 20;
CREATE TABLE tl_par_parts AS
SELECT customer_id, ts::date AS day, journey_agg(ts, label, amount) AS j FROM tl_par GROUP BY 1, 2;
EXPLAIN (COSTS OFF) SELECT customer_id, rollup(j) FROM tl_par_parts GROUP BY 1;
SELECT count(*) AS customers_differing FROM (
  (SELECT customer_id, rollup(j)::text FROM tl_par_parts GROUP BY 1) EXCEPT (SELECT * FROM tl_par_serial)) x;
-- readers over a journeys table run in parallel workers too
CREATE TABLE tl_par_journeys AS SELECT customer_id, j::journey AS j FROM tl_par_serial;
EXPLAIN (COSTS OFF) SELECT sum(num_events(j, 'purchase')) FROM tl_par_journeys;
SELECT sum(num_events(j, 'purchase')) = (SELECT count(*) FROM tl_par WHERE label = 'purchase') AS same_count
FROM tl_par_journeys;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
\i test/force_parallel_off.psql

-- sequence_match / sequence_count (ClickHouse's sequenceMatch and
-- sequenceCount) and funnel_count (repeat conversions), over rows and
-- over stored journeys.
SET timezone = 'UTC';
CREATE TABLE seq_events (customer_id int, ts timestamptz, label text);
INSERT INTO seq_events VALUES
  (1, '2026-01-01 09:00', 'signup'), (1, '2026-01-01 09:05', 'activate'), (1, '2026-01-01 09:20', 'report'),
  (1, '2026-01-02 10:00', 'activate'), (1, '2026-01-02 10:30', 'report'), (1, '2026-01-05 08:00', 'report'),
  (2, '2026-01-01 12:00', 'signup'), (2, '2026-01-02 12:00', 'use'), (2, '2026-01-03 12:00', 'activate'),
  (3, '2026-01-01 08:00', 'signup'), (3, '2026-01-01 08:00', 'activate'),
  (4, '2026-01-01 08:00', 'use');

-- activated and then made a report; activated and reported within 30
-- minutes; how many times (non-overlapping) each
SELECT customer_id,
       sequence_match(ts, '(?1).*(?2)', label = 'activate', label = 'report') AS activated_then_report,
       sequence_match(ts, '(?1)(?t<=1800)(?2)', label = 'activate', label = 'report') AS within_30_min,
       sequence_count(ts, '(?1).*(?2)', label = 'activate', label = 'report') AS times,
       sequence_match(ts, '(?1)(?t>86400)(?2)', label = 'signup', label = 'activate') AS slow_activation
FROM seq_events GROUP BY customer_id ORDER BY customer_id;

-- "." is one event, and only rows meeting some condition are events:
-- customer 2's 'use' row, between its signup and activation, is no event here
SELECT customer_id,
       sequence_match(ts, '(?1)(?2)', label = 'signup', label = 'activate') AS adjacent,
       sequence_match(ts, '(?1).(?2)', label = 'signup', label = 'activate', label = 'report') AS one_between
FROM seq_events GROUP BY customer_id ORDER BY customer_id;

-- ties: events at the same microsecond are ordered by the conditions
-- they meet (bit k-1 for condition k, smaller first), so customer 3's
-- signup (condition 1) comes before its activation (condition 2)
SELECT sequence_match(ts, '(?1)(?2)', label = 'signup', label = 'activate') AS signup_first,
       sequence_match(ts, '(?2)(?1)', label = 'signup', label = 'activate') AS activate_first
FROM seq_events WHERE customer_id = 3;

-- time conditions are whole seconds, compared exactly with the
-- microsecond timestamps
SELECT sequence_match(ts, '(?1)(?t<=60)(?2)', n = 1, n = 2) AS le_60, sequence_match(ts, '(?1)(?t<60)(?2)', n = 1, n = 2) AS lt_60,
       sequence_match(ts, '(?1)(?t==60)(?2)', n = 1, n = 2) AS eq_60, sequence_match(ts, '(?1)(?t>60)(?2)', n = 1, n = 2) AS gt_60
FROM (VALUES (1, timestamptz '2026-01-01 00:00:00'), (2, '2026-01-01 00:01:00')) v(n, ts);
SELECT sequence_match(ts, '(?1)(?t<=60)(?2)', n = 1, n = 2) AS le_60, sequence_match(ts, '(?1)(?t>60)(?2)', n = 1, n = 2) AS gt_60
FROM (VALUES (1, timestamptz '2026-01-01 00:00:00'), (2, '2026-01-01 00:01:00.000001')) v(n, ts);

-- NULLs: a NULL ts or condition ignores the row; no rows at all: false, 0
SELECT sequence_match(ts, '(?1)(?2)', c1, c2), sequence_count(ts, '(?1)', c1, c2)
FROM (VALUES (timestamptz '2026-01-01', true, false), (NULL, false, true), ('2026-01-02', NULL, true), ('2026-01-03', false, true)) v(ts, c1, c2);
SELECT sequence_match(now(), '.*', true), sequence_count(now(), '(?1)', true) WHERE false;
-- rows that meet no condition: an empty list of events, which ".*" matches
SELECT sequence_match(now(), '.*', false), sequence_match(now(), '(?1)', false);

-- stored journeys: condition k is an event labelled labels[k]
CREATE TABLE seq_journeys AS SELECT customer_id, journey_agg(ts, label) AS j FROM seq_events GROUP BY customer_id;
SELECT customer_id,
       sequence_match(j, '(?1).*(?2)', 'activate', 'report') AS activated_then_report,
       sequence_count(j, '(?1).*(?2)', 'activate', 'report') AS times,
       sequence_count(j, '(?1)', VARIADIC ARRAY['report']) AS reports
FROM seq_journeys ORDER BY customer_id;

-- funnel_count: whole funnels completed, re-entering after each
SELECT customer_id,
       funnel_step(ts, '1 day', label = 'activate', label = 'report') AS level,
       funnel_count(ts, '1 day', label = 'activate', label = 'report') AS conversions,
       funnel_count(ts, '1 hour', label = 'activate', label = 'report') AS within_an_hour,
       funnel_count(ts, '1 day', 'strict_order', label = 'activate', label = 'report') AS strict
FROM seq_events GROUP BY customer_id ORDER BY customer_id;
SELECT customer_id, funnel_count(j, '1 day', ARRAY['activate', 'report']) AS conversions,
       funnel_count(j, '1 day', ARRAY['activate', 'report'], 'strict_order') AS strict
FROM seq_journeys ORDER BY customer_id;
-- chains do not share events: two step-1 rows then two step-2 rows are
-- one conversion (the customer re-enters after the first completion)
SELECT funnel_count(ts, '1 day', s = 1, s = 2)
FROM (VALUES (timestamptz '2026-01-01 10:00', 1), ('2026-01-01 11:00', 1), ('2026-01-01 12:00', 2), ('2026-01-01 13:00', 2)) v(ts, s);

-- malformed patterns: an error at the position where the pattern fails
\set VERBOSITY default
SELECT sequence_match(now(), '(?1)(?t>1', true);
SELECT sequence_match(now(), '(?1) (?2)', true, true);
SELECT sequence_match(now(), '(?1)(?t=3)', true);
SELECT sequence_match(now(), '(?0)', true);
SELECT sequence_match(now(), '(?3)', true, true);
SELECT sequence_match(now(), '(?x)', true);
SELECT sequence_match(now(), '(?1)(?t<5)(?t>1)(?1)', true);
SELECT sequence_match(now(), '(?1)(?t>99999999999999)', true);
SELECT sequence_match(now(), 'é(?1)', true);
SELECT sequence_match(now(), NULL, true);
SELECT sequence_match(now(), repeat('(?1)', 60) || 'x', true);
SELECT sequence_match(now(), repeat('.', 1000001), true);
SELECT sequence_match(now(), '(?1)', VARIADIC array_fill(true, ARRAY[65]));
SELECT sequence_match(ts, p, true) FROM (VALUES (now(), '(?1)'), (now(), '(?1).*')) v(ts, p);
SELECT sequence_match(ts, '(?1)', VARIADIC c) FROM (VALUES (now(), ARRAY[true]), (now(), ARRAY[true, false])) v(ts, c);
SELECT sequence_match(j, '(?1)', VARIADIC ARRAY[NULL::text]) FROM seq_journeys;
SELECT funnel_count(now(), NULL, true);
SELECT funnel_count(now(), '1 day', 'strict', true);
SELECT funnel_count(ts, w, true) FROM (VALUES (now(), interval '1 day'), (now(), interval '2 days')) v(ts, w);

-- Parallel aggregation gives the serial answer: rows of one customer
-- split between workers (serialize / combine / deserialize)
CREATE TABLE seq_par (customer_id int, ts timestamptz, name text);
INSERT INTO seq_par
SELECT c, timestamptz '2026-01-05' + ((hashint4(c * 8 + i) & 2147483647) % 864000) * interval '1 second',
       (ARRAY['signup', 'activate', 'report', 'purchase', 'use'])[1 + (hashint4(c * 8 + i + 1000000) & 2147483647) % 5]
FROM generate_series(1, 20000) c, generate_series(1, 8) i
ORDER BY md5(c || '/' || i);
ANALYZE seq_par;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE seq_serial AS
SELECT customer_id,
       sequence_match(ts, '(?1).*(?2)(?t<=86400)(?3)', name = 'signup', name = 'activate', name = 'report') AS m,
       sequence_count(ts, '(?1).*(?2)', name = 'activate', name = 'report') AS c,
       funnel_count(ts, '2 days', name = 'activate', name = 'report') AS f,
       funnel_count(ts, '2 days', 'strict_order', name = 'activate', name = 'report') AS fs
FROM seq_par GROUP BY customer_id;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET enable_hashagg = off;
\i test/force_parallel_on.psql
EXPLAIN (COSTS OFF)
SELECT customer_id, sequence_count(ts, '(?1).*(?2)', name = 'activate', name = 'report')
FROM seq_par GROUP BY customer_id;
SELECT count(*) AS differing FROM (
  SELECT customer_id,
         sequence_match(ts, '(?1).*(?2)(?t<=86400)(?3)', name = 'signup', name = 'activate', name = 'report') AS m,
         sequence_count(ts, '(?1).*(?2)', name = 'activate', name = 'report') AS c,
         funnel_count(ts, '2 days', name = 'activate', name = 'report') AS f,
         funnel_count(ts, '2 days', 'strict_order', name = 'activate', name = 'report') AS fs
  FROM seq_par GROUP BY customer_id
  EXCEPT SELECT * FROM seq_serial) d;
\i test/force_parallel_off.psql
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET enable_hashagg;
SELECT m, count(*) AS customers, sum(c) AS sequences, sum(f) AS conversions, sum(fs) AS strict_conversions
FROM seq_serial GROUP BY m ORDER BY m;
DROP TABLE seq_events, seq_journeys, seq_par, seq_serial;

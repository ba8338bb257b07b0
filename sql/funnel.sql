-- funnel_step, funnel_path, funnel: ClickHouse's windowFunnel contract,
-- per-customer paths, and funnel reports.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';

-- Each case is one customer's events; a row's steps are the letters of
-- its name: step 1 = A, step 2 = B, step 3 = C (a row 'AB' satisfies
-- steps 1 and 2, a row 'X' none).  Window: 1 hour.
CREATE TABLE fcase (c text, ts timestamptz, e text);
INSERT INTO fcase VALUES
  ('01 in order',            '2026-01-05 10:00', 'A'), ('01 in order', '2026-01-05 10:10', 'B'), ('01 in order', '2026-01-05 10:20', 'C'),
  ('02 window exactly',      '2026-01-05 10:00', 'A'), ('02 window exactly', '2026-01-05 10:30', 'B'), ('02 window exactly', '2026-01-05 11:00', 'C'),
  ('03 window + 1us',        '2026-01-05 10:00', 'A'), ('03 window + 1us', '2026-01-05 10:30', 'B'), ('03 window + 1us', '2026-01-05 11:00:00.000001', 'C'),
  ('04 out of order',        '2026-01-05 10:00', 'A'), ('04 out of order', '2026-01-05 10:10', 'C'), ('04 out of order', '2026-01-05 10:20', 'B'),
  ('05 step 1 restarts',     '2026-01-05 10:00', 'A'), ('05 step 1 restarts', '2026-01-05 10:50', 'A'), ('05 step 1 restarts', '2026-01-05 11:10', 'B'), ('05 step 1 restarts', '2026-01-05 11:20', 'C'),
  ('06 equal timestamps',    '2026-01-05 10:00', 'C'), ('06 equal timestamps', '2026-01-05 10:00', 'B'), ('06 equal timestamps', '2026-01-05 10:00', 'A'),
  ('07 one row, 2 steps',    '2026-01-05 10:00', 'AB'), ('07 one row, 2 steps', '2026-01-05 10:05', 'C'),
  ('08 no step 1',           '2026-01-05 10:00', 'B'), ('08 no step 1', '2026-01-05 10:05', 'C'),
  ('09 repeated step 2',     '2026-01-05 10:00', 'A'), ('09 repeated step 2', '2026-01-05 10:10', 'B'), ('09 repeated step 2', '2026-01-05 10:20', 'B'), ('09 repeated step 2', '2026-01-05 10:30', 'C'),
  ('10 repeated step 1',     '2026-01-05 10:00', 'A'), ('10 repeated step 1', '2026-01-05 10:10', 'A'), ('10 repeated step 1', '2026-01-05 10:20', 'B'),
  ('11 other event between', '2026-01-05 10:00', 'A'), ('11 other event between', '2026-01-05 10:10', 'X'), ('11 other event between', '2026-01-05 10:20', 'B'),
  ('12 other event before',  '2026-01-05 09:00', 'X'), ('12 other event before', '2026-01-05 10:00', 'A'), ('12 other event before', '2026-01-05 10:10', 'B'),
  ('13 other event same ts', '2026-01-05 10:00', 'X'), ('13 other event same ts', '2026-01-05 10:00', 'A'), ('13 other event same ts', '2026-01-05 10:10', 'B'),
  ('14 NULLs ignored',       NULL,               'A'), ('14 NULLs ignored', '2026-01-05 10:00', 'A'), ('14 NULLs ignored', '2026-01-05 10:05', NULL), ('14 NULLs ignored', '2026-01-05 10:10', 'B'),
  ('15 A, AB, C',            '2026-01-05 10:00', 'A'), ('15 A, AB, C', '2026-01-05 10:10', 'AB'), ('15 A, AB, C', '2026-01-05 10:20', 'C');

-- One column per mode.  Read across: default counts any chain in order;
-- strict_deduplication stops at a repeated step >= 2; strict_order stops
-- at a row matching no step (or a step whose predecessor is missing) once
-- step 1 was seen; allow_reentry skips such out-of-order steps instead;
-- strict_increase needs strictly later timestamps; strict_once lets a row
-- fill one step only.  Case 15 under strict_increase gives 1, as in
-- ClickHouse: the step 1 of row 'AB' at 10:10 replaces the chain started
-- at 10:00, and step 2 of the same row is not strictly later than it.
SELECT c,
       funnel_step(ts, '1 hour', e LIKE '%A%', e LIKE '%B%', e LIKE '%C%') AS "default",
       funnel_step(ts, '1 hour', 'strict_deduplication', e LIKE '%A%', e LIKE '%B%', e LIKE '%C%') AS dedup,
       funnel_step(ts, '1 hour', 'strict_order', e LIKE '%A%', e LIKE '%B%', e LIKE '%C%') AS "order",
       funnel_step(ts, '1 hour', 'strict_order, allow_reentry', e LIKE '%A%', e LIKE '%B%', e LIKE '%C%') AS reentry,
       funnel_step(ts, '1 hour', 'strict_increase', e LIKE '%A%', e LIKE '%B%', e LIKE '%C%') AS increase,
       funnel_step(ts, '1 hour', 'strict_once', e LIKE '%A%', e LIKE '%B%', e LIKE '%C%') AS once
FROM fcase GROUP BY c ORDER BY c;

-- the timestamp overload gives the same levels
SELECT count(*) AS cases_differing FROM (
  SELECT c, funnel_step(ts, '1 hour', e LIKE '%A%', e LIKE '%B%', e LIKE '%C%') AS a,
            funnel_step(ts::timestamp, '1 hour', e LIKE '%A%', e LIKE '%B%', e LIKE '%C%') AS b
  FROM fcase GROUP BY c) s WHERE a IS DISTINCT FROM b;

-- an empty group: 0; one step: 1 as soon as step 1 happens
SELECT funnel_step(ts, '1 hour', e = 'A', e = 'B') AS empty_group FROM fcase WHERE false;
SELECT funnel_step(ts, '1 hour', e = 'A') AS one_step FROM fcase WHERE c = '01 in order';
-- funnel_path: NULL over no rows, an empty path when every row is ignored
SELECT funnel_path(ts, '1 hour', e = 'A', e = 'B') IS NULL AS no_rows FROM fcase WHERE false;
SELECT funnel_path(NULL::timestamptz, '1 hour', e = 'A', e = 'B') AS args_form,
       funnel_path(NULL::timestamptz, '1 hour', VARIADIC ARRAY[e = 'A', e = 'B']) AS array_form
FROM fcase WHERE c = '01 in order';
-- a window of 1 microsecond: steps must share step 1's timestamp
SELECT funnel_step(ts, '1 microsecond', e LIKE '%A%', e LIKE '%B%', e LIKE '%C%') AS tiny_window FROM fcase WHERE c = '06 equal timestamps';
-- a window must be positive: zero, a fraction of a microsecond (rounds to
-- zero) and the zero interval JDBC sends for new PGInterval("1 week") are
-- errors, not a funnel of ties
SELECT funnel_step(ts, '0', e LIKE '%A%', e LIKE '%B%', e LIKE '%C%') FROM fcase;
SELECT funnel_step(ts, '0.4 microseconds', e LIKE '%A%', e LIKE '%B%', e LIKE '%C%') FROM fcase;
SELECT funnel_path(ts, '0 years 0 mons 0 days 0 hours 0 mins 0.0 secs', 'strict_order', e LIKE '%A%', e LIKE '%B%') FROM fcase;
SELECT funnel_step(ts, '0', VARIADIC ARRAY[e LIKE '%A%', e LIKE '%B%']) FROM fcase;

-- 64 steps (the cap): a row per step, a minute apart
SELECT funnel_step(ts, '1 day', VARIADIC (SELECT array_agg(g.i = s.i ORDER BY s.i) FROM generate_series(1, 64) s(i))) AS sixty_four
FROM (SELECT i, timestamptz '2026-01-05' + i * interval '1 minute' AS ts FROM generate_series(1, 64) i) g;
SELECT funnel_step(ts, '1 day', VARIADIC (SELECT array_agg(g.i = s.i ORDER BY s.i) FROM generate_series(1, 64) s(i))) AS missing_step_40
FROM (SELECT i, timestamptz '2026-01-05' + i * interval '1 minute' AS ts FROM generate_series(1, 64) i WHERE i <> 40) g;

-- errors
SELECT funnel_step(ts, '1 hour', VARIADIC array_fill(true, ARRAY[65])) FROM fcase;
SELECT funnel_step(ts, '1 hour', VARIADIC '{}'::boolean[]) FROM fcase;
SELECT funnel_step(ts, NULL, e = 'A', e = 'B') FROM fcase;
SELECT funnel_step(ts, '-1 hour', e = 'A', e = 'B') FROM fcase;
SELECT funnel_step(ts, '1 hour', 'strict_ordre', e = 'A', e = 'B') FROM fcase;
SELECT funnel_step(ts, '1 hour', 'strict', e = 'A', e = 'B') FROM fcase;
SELECT funnel_step(ts, '1 hour', 'allow_reentry', e = 'A', e = 'B') FROM fcase;
SELECT funnel_step(ts, '1 hour', 'strict_order,strict_order', e = 'A', e = 'B') FROM fcase;
SELECT funnel_step(ts, '1 hour', 'strict_order,', e = 'A', e = 'B') FROM fcase;
SELECT funnel_step(ts, '1 hour', NULL::text, e = 'A', e = 'B') FROM fcase;
SELECT funnel_step(ts, CASE WHEN e = 'A' THEN interval '1 hour' ELSE interval '2 hours' END, e = 'A', e = 'B') FROM fcase;
SELECT funnel_step(ts, '1 hour', CASE WHEN e = 'A' THEN 'strict_order' ELSE 'strict_order ' END, e = 'A', e = 'B') AS same_mode_spelled_apart
FROM fcase WHERE c = '01 in order';
SELECT funnel_step(ts, '1 hour', CASE WHEN e = 'A' THEN 'strict_order' ELSE '' END, e = 'A', e = 'B') FROM fcase;
SELECT funnel_step(ts, '1 hour', VARIADIC CASE WHEN e = 'A' THEN ARRAY[true, false] ELSE ARRAY[true, false, true] END) FROM fcase;

-- not a window function: the final function sorts the state in place
-- (FINALFUNC_MODIFY = SHAREABLE); aggregate per customer and join instead
SELECT ts, e, funnel_step(ts, '1 hour', e LIKE '%A%', e LIKE '%B%', e LIKE '%C%') OVER (ORDER BY ts) AS so_far
FROM fcase WHERE c = '05 step 1 restarts' ORDER BY ts;

-- funnel_path: the same search, keeping when each step happened.  Of the
-- chains reaching the deepest step, the earliest-starting one is reported,
-- each later step at its earliest time.
SELECT c, funnel_path(ts, '1 hour', e LIKE '%A%', e LIKE '%B%', e LIKE '%C%') AS path
FROM fcase GROUP BY c ORDER BY c;

-- two starts reach step 2: the earlier one (10:00) is reported ...
SELECT funnel_path(ts, '1 hour', e = 'A', e = 'B')
FROM (VALUES (timestamptz '2026-01-05 10:00', 'A'), ('2026-01-05 10:30', 'A'), ('2026-01-05 10:40', 'B')) v(ts, e);
-- ... unless only the later start reaches it in time
SELECT funnel_path(ts, '1 hour', e = 'A', e = 'B')
FROM (VALUES (timestamptz '2026-01-05 10:00', 'A'), ('2026-01-05 10:50', 'A'), ('2026-01-05 11:10', 'B')) v(ts, e);

-- accessors; NULL for a step not reached, an error out of range
CREATE TABLE fpaths AS
SELECT c, funnel_path(ts, '1 hour', e LIKE '%A%', e LIKE '%B%', e LIKE '%C%') AS p FROM fcase GROUP BY c;
SELECT c, steps(p), total_steps(p), reached_at(p, 1), reached_at(p, 3),
       time_to_step(p, 2), time_to_step(p, 3), time_between(p, 2, 3)
FROM fpaths WHERE c IN ('01 in order', '05 step 1 restarts', '04 out of order') ORDER BY c;
SELECT reached_at(p, 0) FROM fpaths WHERE c = '01 in order';
SELECT time_to_step(p, 4) FROM fpaths WHERE c = '01 in order';
SELECT time_between(p, 3, 2) FROM fpaths WHERE c = '01 in order';
-- steps(p) is funnel_step on the same rows, in every mode
SELECT count(*) AS differing FROM (
  SELECT c, m,
         funnel_step(ts, '1 hour', m, e LIKE '%A%', e LIKE '%B%', e LIKE '%C%') AS lvl,
         steps(funnel_path(ts, '1 hour', m, e LIKE '%A%', e LIKE '%B%', e LIKE '%C%')) AS path_lvl
  FROM fcase, unnest(ARRAY['', 'strict_deduplication', 'strict_order', 'strict_order,allow_reentry',
                           'strict_increase', 'strict_once', 'strict_once,strict_increase']) m
  GROUP BY c, m) s WHERE lvl <> path_lvl;
-- timestamp input: times reported as ts::timestamptz would be
SET timezone = 'America/New_York';
SELECT funnel_path(ts::timestamp, '1 hour', e LIKE '%A%', e LIKE '%B%', e LIKE '%C%') FROM fcase WHERE c = '01 in order';
SET timezone = 'UTC';

-- text round trip and bad input
SELECT p::text::funnel_path::text = p::text AS round_trip FROM fpaths ORDER BY c LIMIT 1;
SELECT '0/3 []'::funnel_path, '2/2 [2026-01-05 10:00:00+00, 2026-01-05 10:00:00+00]'::funnel_path;
SELECT '2/3 [2026-01-05 10:00:00+00]'::funnel_path;
SELECT '1/3 [2026-01-05 10:00:00+00, 2026-01-05 11:00:00+00]'::funnel_path;
SELECT '2/3 [2026-01-05 11:00:00+00, 2026-01-05 10:00:00+00]'::funnel_path;
SELECT '4/3 []'::funnel_path;
SELECT '0/65 []'::funnel_path;
SELECT '1/3 [infinity]'::funnel_path;
SELECT '1/3 [2026-01-05 10:00:00+00'::funnel_path;
SELECT '1/3 [2026-01-05 10:00:00+00,]'::funnel_path;
SELECT '1/3 [not a time]'::funnel_path;
SELECT 'x/3 []'::funnel_path;

-- binary round trip and hostile binary input (test_recv, from sql/setup.sql,
-- feeds bytes to the receive function)
\set SHOW_CONTEXT never
SELECT c, test_recv('funnel_path', funnel_path_send(p)) = p::text AS binary_round_trip FROM fpaths ORDER BY c LIMIT 3;
SELECT test_recv('funnel_path', '\x010302'::bytea || int8send(0));
SELECT test_recv('funnel_path', '\x030301'::bytea || int8send(0));
SELECT test_recv('funnel_path', '\x010304'::bytea);
SELECT test_recv('funnel_path', '\x014100'::bytea);
SELECT test_recv('funnel_path', '\x010302'::bytea || int8send(100) || int8send(50));
SELECT test_recv('funnel_path', '\x010301'::bytea || int8send(9223372036854775807));
SELECT test_recv('funnel_path', '\x010301'::bytea || int8send(1) || '\x00'::bytea);

\set SHOW_CONTEXT errors
-- funnel: roll customers up.  Conversion counts customers who reached at
-- least the step; times between steps come from the reported paths.
SELECT funnel(p) FROM fpaths WHERE c < '04';
SELECT f.* FROM (SELECT funnel(p) AS fn FROM fpaths) t, funnel_steps(t.fn) f;
-- from plain levels (e.g. funnel_step results): no times
SELECT f.* FROM (SELECT funnel(lvl, 3) AS fn FROM (
  SELECT c, funnel_step(ts, '1 hour', e LIKE '%A%', e LIKE '%B%', e LIKE '%C%') AS lvl FROM fcase GROUP BY c) s) t,
  funnel_steps(t.fn) f;
-- rollup of parts equals the funnel of the whole
SELECT (SELECT rollup(fn)::text FROM (SELECT funnel(p) AS fn FROM fpaths GROUP BY c < '08') parts)
     = (SELECT funnel(p)::text FROM fpaths) AS rollup_equals_whole;
SELECT num_customers(funnel(p)), quantile(step_durations(funnel(p), 3, true), 0.5) FROM fpaths;
-- NULLs: a NULL path or level is skipped; errors
SELECT num_customers(funnel(p)) FROM (SELECT p FROM fpaths UNION ALL SELECT NULL) s;
SELECT funnel(l, NULL) FROM (VALUES (1)) v(l);
SELECT funnel(l, 3) FROM (VALUES (4)) v(l);
SELECT funnel(l, 65) FROM (VALUES (1)) v(l);
SELECT rollup(fn) FROM (VALUES (funnel_add_level(NULL, 1, 3)), (funnel_add_level(NULL, 1, 2))) v(fn);
SELECT funnel_merge(funnel_add_level(NULL, 1, 2), (SELECT funnel(p) FROM fpaths WHERE steps(p) = 0 AND c < '09'));
SELECT step_durations(funnel(p), 4) FROM fpaths;

-- funnel text round trip and bad input
\set SHOW_CONTEXT never
SELECT fn::text::funnel::text = fn::text AS round_trip FROM (SELECT funnel(p) AS fn FROM fpaths) t;
SELECT test_recv('funnel', funnel_send(fn)) = fn::text AS binary_round_trip FROM (SELECT funnel(p) AS fn FROM fpaths) t;
SELECT 'v1 steps=2 customers=3 reached=2,1 timed=false'::funnel;
SELECT 'v1 steps=2 customers=3 reached=2,3 timed=false'::funnel;
SELECT 'v1 steps=2 customers=3 reached=2 timed=false'::funnel;
SELECT 'v1 steps=2 customers=3 reached=2,1 timed=true'::funnel;
SELECT 'v1 steps=2 customers=3 reached=2,1 timed=false {2: v1 n=1 zeros=1 sum_us=0 min_us=0 max_us=0 buckets=; v1 n=1 zeros=1 sum_us=0 min_us=0 max_us=0 buckets=}'::funnel;
SELECT 'v1 steps=2 customers=3 reached=2,1 timed=true {2: v1 n=1 zeros=1 sum_us=0 min_us=0 max_us=0 buckets=; v1 n=1 zeros=1 sum_us=0 min_us=0 max_us=0 buckets=}'::funnel;
SELECT 'v1 steps=2 customers=3 reached=2,1 timed=true {2: v1 n=2 zeros=2 sum_us=0 min_us=0 max_us=0 buckets=; v1 n=2 zeros=2 sum_us=0 min_us=0 max_us=0 buckets=}'::funnel;
SELECT 'v1 steps=2 customers=3 reached=2,1 timed=true {1: v1 n=1 zeros=1 sum_us=0 min_us=0 max_us=0 buckets=; v1 n=1 zeros=1 sum_us=0 min_us=0 max_us=0 buckets=}'::funnel;
SELECT 'v1 steps=99 customers=3 reached=2,1 timed=false'::funnel;
SELECT 'v1 steps=2 customers=-3 reached=2,1 timed=false'::funnel;
SELECT 'v4 steps=2 customers=3 reached=2,1 timed=false'::funnel;
SELECT test_recv('funnel', '\x01000001'::bytea || int8send(3) || int8send(2) || int4send(0) || int4send(0));
SELECT test_recv('funnel', '\x01000001'::bytea || int8send(3) || int8send(4) || int4send(0) || int4send(0));
SELECT test_recv('funnel', '\x01000001'::bytea || int8send(3) || int8send(2) || int4send(0));
SELECT test_recv('funnel', '\x01010002'::bytea || int8send(3) || int8send(2) || int8send(1)
                               || int4send(0) || int4send(0) || int4send(1000) || int4send(0));
SELECT test_recv('funnel', '\x01000041'::bytea || int8send(3));
SELECT test_recv('funnel', '\x01ff0001'::bytea || int8send(3) || int8send(2) || int4send(0) || int4send(0));

-- format version 2 carries the window and mode (binary: after the flags,
-- int8 microseconds and a mode byte); text and binary reject the same
SELECT test_recv('funnel_path', '\x02020101'::bytea || int8send(3600000000) || '\x02'::bytea || int8send(0));
SELECT test_recv('funnel_path', '\x02020101'::bytea || int8send(0) || '\x02'::bytea || int8send(0));
SELECT test_recv('funnel_path', '\x02020101'::bytea || int8send(3600000000) || '\x10'::bytea || int8send(0));
SELECT test_recv('funnel_path', '\x02020100'::bytea || int8send(0));
SELECT test_recv('funnel_path', '\x02020102'::bytea || int8send(0));
SELECT '1/2 [2000-01-01 00:00:00+00] window=00:00:00 mode=default'::funnel_path;
SELECT '1/2 [2000-01-01 00:00:00+00] window=01:00:00 mode=allow_reentry'::funnel_path;
SELECT '1/2 [2000-01-01 00:00:00+00] window=01:00:00 mode=strict_order,strict_deduplication'::funnel_path;
SELECT '1/2 [2000-01-01 00:00:00+00] window=01:00:00'::funnel_path;
SELECT '1/2 [2000-01-01 00:00:00+00] junk'::funnel_path;
SELECT 'v2 steps=2 customers=3 reached=2,1 timed=false window=01:00:00 mode=default'::funnel;
SELECT 'v2 steps=2 customers=3 reached=2,1 timed=true window=-01:00:00 mode=default'::funnel;
SELECT 'v1 steps=2 customers=3 reached=2,1 timed=true window=01:00:00 mode=default'::funnel;
SELECT test_recv('funnel', '\x02020001'::bytea || int8send(3) || int8send(3600000000) || int4send(0) || int8send(2) || int4send(0) || int4send(0));
SELECT test_recv('funnel', '\x02030001'::bytea || int8send(3) || int8send(0) || int4send(0) || int8send(2) || int4send(0) || int4send(0));
SELECT test_recv('funnel', '\x02030001'::bytea || int8send(3) || int8send(3600000000) || int4send(256) || int8send(2) || int4send(0) || int4send(0));

\set SHOW_CONTEXT errors
-- funnel_path and funnel values carry the window and mode they were built
-- with: merging funnels built with different ones is an error naming both
CREATE TABLE fparams AS
SELECT w, m, funnel(p) AS fn
FROM (SELECT c, w, m, funnel_path(ts, w, m, e LIKE '%A%', e LIKE '%B%', e LIKE '%C%') AS p
      FROM fcase, (VALUES (interval '1 hour', ''), ('2 hours', ''), ('1 hour', 'strict_order')) v(w, m)
      GROUP BY c, w, m) s
GROUP BY w, m;
SELECT w, m, fn FROM fparams ORDER BY w, m;
SELECT rollup(fn) FROM fparams WHERE m = '';
SELECT rollup(fn) FROM fparams WHERE w = '1 hour';
SELECT funnel(p) FROM (SELECT funnel_path(ts, w, e LIKE '%A%', e LIKE '%B%', e LIKE '%C%') AS p
                       FROM fcase, (VALUES (interval '1 hour'), ('1 day')) v(w) GROUP BY c, w) s;
SELECT position(' window=02:00:00 mode=default ' IN funnel_merge(fn, fn)::text) > 0 AS merge_keeps_them FROM fparams WHERE w = '2 hours';

-- values written by 0.1.0 (format version 1: no window or mode) still read
-- in text, binary and on-disk form.  Their window and mode are unknown:
-- they merge with funnels of any window and mode, and the merge takes the
-- known ones.  A funnel built from levels never has a window or mode.
SELECT '2/3 [2026-01-05 10:00:00+00, 2026-01-05 10:10:00+00]'::funnel_path AS v1_path,
       'v1 steps=3 customers=1 reached=1,1,0 timed=true {2: v1 n=1 zeros=0 sum_us=600000000 min_us=600000000 max_us=600000000 buckets=1021:1; v1 n=1 zeros=0 sum_us=600000000 min_us=600000000 max_us=600000000 buckets=1021:1}'::funnel AS v1_funnel;
SELECT funnel(p) FROM (VALUES ('2/3 [2026-01-05 10:00:00+00, 2026-01-05 10:10:00+00]'::funnel_path),
                              ('0/3 [] window=01:00:00 mode=strict_order'::funnel_path)) v(p);
SELECT rollup(fn) FROM (SELECT fn FROM fparams WHERE w = '1 hour' AND m = 'strict_order'
                        UNION ALL SELECT 'v1 steps=3 customers=1 reached=1,1,0 timed=true {2: v1 n=1 zeros=0 sum_us=600000000 min_us=600000000 max_us=600000000 buckets=1021:1; v1 n=1 zeros=0 sum_us=600000000 min_us=600000000 max_us=600000000 buckets=1021:1}'::funnel) s;
SELECT rollup(fn) FROM (VALUES ('v1 steps=2 customers=3 reached=2,1 timed=false'::funnel),
                               ('v2 steps=2 customers=1 reached=1,1 timed=false'::funnel)) v(fn);
\set SHOW_CONTEXT never
SELECT test_recv('funnel_path', '\x010302'::bytea || int8send(0) || int8send(3600000000)) AS v1_binary_path;
SELECT test_recv('funnel', '\x01000002'::bytea || int8send(3) || int8send(2) || int8send(1)
                            || int4send(0) || int4send(0) || int4send(0) || int4send(0)) AS v1_binary_funnel;
-- on disk: byteasend (an identity on varlena bytes) hands bytes to the
-- type as a stored value (this machine's byte order), laid out as 0.1.0
-- wrote them
CREATE FUNCTION pg_temp.le(v bigint, n int) RETURNS bytea LANGUAGE sql AS
$$ SELECT decode(string_agg(lpad(to_hex((v >> (8 * i)) & 255), 2, '0'), '' ORDER BY i), 'hex') FROM generate_series(0, n - 1) i $$;
CREATE FUNCTION pg_temp.usec(timestamptz) RETURNS bigint LANGUAGE sql AS
$$ SELECT ((extract(epoch FROM $1) - 946684800) * 1000000)::bigint $$;
CREATE FUNCTION pg_temp.raw_path(bytea) RETURNS funnel_path LANGUAGE internal IMMUTABLE STRICT AS 'byteasend';
CREATE FUNCTION pg_temp.raw_funnel(bytea) RETURNS funnel LANGUAGE internal IMMUTABLE STRICT AS 'byteasend';
CREATE FUNCTION pg_temp.bytes_of(durations) RETURNS bytea LANGUAGE internal IMMUTABLE STRICT AS 'byteasend';
CREATE TABLE fdisk AS
SELECT pg_temp.raw_path('\x01000302'::bytea || pg_temp.le(0, 8)
                        || pg_temp.le(pg_temp.usec('2026-01-05 10:00+00'), 8) || pg_temp.le(pg_temp.usec('2026-01-05 10:10+00'), 8)) AS p,
       pg_temp.raw_funnel('\x0100' || pg_temp.le(2, 2) || pg_temp.le(0, 8) || pg_temp.le(3, 8) || pg_temp.le(2, 8)
                          || pg_temp.le(1, 8) || pg_temp.le(0, 16)) AS levels;
SELECT p, steps(p), time_to_step(p, 2), levels, funnel_steps(levels) FROM fdisk;
-- a timed funnel of one customer whose step 2 came 10 minutes after step
-- 1: header, reached, offsets, then the two durations summaries
CREATE TABLE fdisk_timed AS
WITH d AS (SELECT pg_temp.bytes_of(step_durations(funnel('2/2 [2026-01-05 10:00:00+00, 2026-01-05 10:10:00+00]'::funnel_path), 2)) AS raw),
h AS (SELECT pg_temp.le((octet_length(raw) + 4)::bigint << 2, 4) || raw AS dur,
             ((octet_length(raw) + 4 + 7) / 8) * 8 AS dlen FROM d),
p AS (SELECT dur || decode(repeat('00', dlen - octet_length(dur)), 'hex') AS dur, dlen FROM h)
SELECT pg_temp.raw_funnel('\x0101' || pg_temp.le(2, 2) || pg_temp.le(0, 8) || pg_temp.le(1, 8) || pg_temp.le(1, 8)
                          || pg_temp.le(1, 8) || pg_temp.le(0, 8) || pg_temp.le(56, 4) || pg_temp.le(56 + dlen, 4)
                          || dur || dur) AS fn
FROM p;
SELECT fn, (funnel_steps(fn)).* FROM fdisk_timed;
SELECT rollup(fn) FROM (SELECT fn FROM fdisk_timed UNION ALL
                        SELECT funnel('2/2 [2026-01-05 10:00:00+00, 2026-01-05 10:30:00+00] window=01:00:00 mode=default'::funnel_path)) s;
SELECT fn::text::funnel::text = fn::text AS text_round_trip,
       test_recv('funnel', funnel_send(fn)) = fn::text AS binary_round_trip FROM fdisk_timed;
DROP TABLE fdisk, fdisk_timed, fparams;

-- A path typed in by hand may span more than 2^63 microseconds (4713 BC
-- to 294276 AD); the aggregates never make one (a chain fits in its
-- window).  A funnel cannot hold such a time between steps: funnel() and
-- the accessors raise an error instead of writing a value that its own
-- input would reject.
\set SHOW_CONTEXT errors
SELECT '2/2 [4714-11-24 00:00:00+00 BC, 294276-12-31 23:59:59.999999+00]'::funnel_path AS wide;
SELECT funnel(p) FROM (VALUES ('2/2 [4714-11-24 00:00:00+00 BC, 294276-12-31 23:59:59.999999+00]'::funnel_path)) v(p);
SELECT time_to_step('2/2 [4714-11-24 00:00:00+00 BC, 294276-12-31 23:59:59.999999+00]'::funnel_path, 2);
-- the aggregates at the extremes: the widest window there is, steps at the
-- first and last timestamps, and values that read back
SELECT p AS extreme_path, p::text::funnel_path::text = p::text AS path_reads_back,
       (SELECT funnel(q)::text::funnel::text = funnel(q)::text FROM (VALUES (s.p)) v(q)) AS funnel_reads_back
FROM (SELECT funnel_path(ts, '106751991 days 04:00:54.775807', e = 'A', e = 'B') AS p
      FROM (VALUES (timestamptz '4714-11-24 00:00:00+00 BC', 'A'), ('294276-12-31 23:59:59.999999+00', 'B'),
                   ('294276-12-31 23:59:59.999999+00', 'A')) v(ts, e)) s;

\set SHOW_CONTEXT errors
-- Parallel aggregation gives the serial answer: 20,000 customers, rows
-- of one customer split between workers (serialize/combine/deserialize).
CREATE TABLE fpar (customer_id int, ts timestamptz, name text);
-- deterministic data (hashint4, the same on every PostgreSQL major):
-- times to the millisecond over 10 days, one of five event names
INSERT INTO fpar
SELECT c, timestamptz '2026-01-05' + ((hashint4(c * 8 + i) & 2147483647) % 864000000) * interval '1 millisecond',
       (ARRAY['signup', 'activate', 'report', 'purchase', 'use'])[1 + (hashint4(c * 8 + i + 1000000) & 2147483647) % 5]
FROM generate_series(1, 20000) c, generate_series(1, 6) i
ORDER BY md5(c || '/' || i);  -- a customer's rows spread over the table, so over workers
ANALYZE fpar;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE fpar_serial AS
SELECT customer_id,
       funnel_step(ts, '3 days', name = 'signup', name = 'activate', name = 'report', name = 'purchase') AS lvl,
       funnel_step(ts, '3 days', 'strict_order,strict_once', name = 'signup', name = 'activate', name = 'report', name = 'purchase') AS lvl_strict,
       funnel_path(ts, '3 days', name = 'signup', name = 'activate', name = 'report', name = 'purchase')::text AS p
FROM fpar GROUP BY customer_id;
CREATE TABLE fpar_paths AS
SELECT customer_id, funnel_path(ts, '3 days', name = 'signup', name = 'activate', name = 'report', name = 'purchase') AS p
FROM fpar GROUP BY customer_id;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
\i test/force_parallel_on.psql
-- group aggregation: the plan is then the same on every major (13 costs a
-- hash aggregate differently)
SET enable_hashagg = off;
EXPLAIN (COSTS OFF)
SELECT customer_id, funnel_step(ts, '3 days', name = 'signup', name = 'activate', name = 'report', name = 'purchase')
FROM fpar GROUP BY customer_id;
SELECT count(*) AS differing FROM (
  SELECT customer_id,
         funnel_step(ts, '3 days', name = 'signup', name = 'activate', name = 'report', name = 'purchase') AS lvl,
         funnel_step(ts, '3 days', 'strict_order,strict_once', name = 'signup', name = 'activate', name = 'report', name = 'purchase') AS lvl_strict,
         funnel_path(ts, '3 days', name = 'signup', name = 'activate', name = 'report', name = 'purchase')::text AS p
  FROM fpar GROUP BY customer_id
  EXCEPT SELECT * FROM fpar_serial) d;
SELECT lvl, count(*) FROM fpar_serial GROUP BY lvl ORDER BY lvl;
EXPLAIN (COSTS OFF) SELECT funnel(p) FROM fpar_paths;
SELECT funnel(p)::text AS parallel_funnel INTO TEMP par_f FROM fpar_paths;
SELECT funnel(lvl, 4)::text AS parallel_levels INTO TEMP par_l FROM fpar_serial;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET enable_hashagg;
\i test/force_parallel_off.psql
SET max_parallel_workers_per_gather = 0;
SELECT (SELECT parallel_funnel FROM par_f) = (SELECT funnel(p)::text FROM fpar_paths) AS funnel_same,
       (SELECT parallel_levels FROM par_l) = (SELECT funnel(lvl, 4)::text FROM fpar_serial) AS levels_same;
SELECT f.step, f.customers, f.dropped, round(f.conversion_from_start::numeric, 4) AS from_start
FROM (SELECT funnel(p) AS fn FROM fpar_paths) t, funnel_steps(t.fn) f;
RESET max_parallel_workers_per_gather;
DROP TABLE fpar, fpar_serial, fpar_paths, fcase, fpaths;

-- Bounded cost: the path search is O(n log n).  A million step-1 events
-- over two days, step 2 once at the end: every start of the first day is
-- tried (0.1.0 scanned the rest of its window for each: about two minutes).
SET statement_timeout = '20s';
SELECT funnel_path(ts, '1 day', i < 1000000, i = 1000000) AS million_starts
FROM (SELECT i, timestamptz '2026-01-01' + i * interval '172800 microseconds' AS ts
      FROM generate_series(1, 1000000) i) s;
-- A statement_timeout cancels a long funnel_step or funnel_path promptly:
-- the transition, the sort of the events, the walk and the path search
-- all check for interrupts.  (The bound is generous, not a timing.)
SET statement_timeout = '300ms';
CREATE FUNCTION pg_temp.cancelled_promptly(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz := clock_timestamp();
BEGIN
  EXECUTE query;
  RETURN 'not cancelled';
EXCEPTION WHEN query_canceled THEN
  RETURN CASE WHEN clock_timestamp() - t0 < interval '10 s' THEN 'cancelled promptly' ELSE 'cancelled late' END;
END $$;
SELECT pg_temp.cancelled_promptly($q$
  SELECT funnel_step(ts, '1 day', i % 2 = 0, i % 3 = 0)
  FROM (SELECT i, timestamptz '2026-01-01' + ((i::bigint * 7919) % 20000000) * interval '1 second' AS ts
        FROM generate_series(1, 20000000) i) s $q$) AS funnel_step;
SELECT pg_temp.cancelled_promptly($q$
  SELECT funnel_path(ts, '30 days', 'strict_once', i % 2 = 0, i % 3 = 0, i % 5 = 0)
  FROM (SELECT i, timestamptz '2026-01-01' + ((i::bigint * 7919) % 20000000) * interval '1 second' AS ts
        FROM generate_series(1, 20000000) i) s $q$) AS funnel_path;
RESET statement_timeout;

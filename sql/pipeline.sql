-- pipeline_path, pipeline, pipeline_stages: the sales pipeline from
-- stage-change history (one row per time a deal entered a stage).
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';

-- Each case is one deal; stages 1 lead, 2 qualified, 3 demo, 4 proposal,
-- 5 won.  Times are days of January 2026 (day 1 = 2026-01-01).
CREATE TABLE pcase (c text, day numeric, stage int, lost boolean);
INSERT INTO pcase VALUES
  ('01 in order',          1, 1, false), ('01 in order', 3, 2, false), ('01 in order', 6, 3, false), ('01 in order', 10, 4, false), ('01 in order', 12, 5, false),
  ('02 skips 2 and 3',     1, 1, false), ('02 skips 2 and 3', 4, 4, false),
  ('03 starts at 3',       2, 3, false),
  ('04 regression',        1, 1, false), ('04 regression', 2, 3, false), ('04 regression', 5, 2, false), ('04 regression', 7, 3, false), ('04 regression', 8, 4, false),
  ('05 lost at stage 1',   1, 1, false), ('05 lost at stage 1', 4, 1, true),
  ('06 one row',           3, 2, false),
  ('07 one row, lost',     3, 2, true),
  ('08 lost moving',       1, 1, false), ('08 lost moving', 2, 2, false), ('08 lost moving', 5, 3, true),
  ('09 rows after loss',   1, 1, false), ('09 rows after loss', 2, 2, true), ('09 rows after loss', 6, 4, false), ('09 rows after loss', 7, 5, false),
  ('10 same instant',      1, 3, false), ('10 same instant', 1, 1, false), ('10 same instant', 1, 2, false), ('10 same instant', 4, 4, false),
  ('11 loss same instant', 1, 1, false), ('11 loss same instant', 3, 4, true), ('11 loss same instant', 3, 2, false), ('11 loss same instant', 3, 5, true),
  ('12 repeated stage',    1, 1, false), ('12 repeated stage', 2, 2, false), ('12 repeated stage', 4, 2, false), ('12 repeated stage', 9, 2, false),
  ('13 NULLs',             NULL, 2, false), ('13 NULLs', 1, 1, NULL), ('13 NULLs', 2, 2, false),
  ('14 back to 1 and win', 1, 1, false), ('14 back to 1 and win', 2, 2, false), ('14 back to 1 and win', 3, 1, false), ('14 back to 1 and win', 9, 5, false);
CREATE TABLE ppaths AS
SELECT c, pipeline_path(timestamptz '2025-12-31' + day * interval '1 day', stage, lost) AS p
FROM pcase GROUP BY c;

-- The path of each deal: the moves (stage@time) and the last row used
-- ("lost@" when the deal was lost there).  Rows at the same instant are
-- applied in increasing stage order, a loss after the stage rows of its
-- instant; rows after a loss are ignored; a row repeating the current
-- stage changes nothing.
SELECT c, p FROM ppaths ORDER BY c;

-- Accessors, read as of the deal's last row: current_stage, is_lost, when
-- each stage was first entered (a skipped stage is passed when a later
-- one is entered) and the total time in it.
SELECT c, current_stage(p) AS cur, is_lost(p) AS lost, a.*
FROM ppaths, LATERAL (
  SELECT array_agg(coalesce(to_char(entered_at(p, s), 'DD'), '-') ORDER BY s) AS entered_day,
         array_agg(coalesce(extract(day FROM time_in_stage(p, s))::text, '-') ORDER BY s) AS days_in_stage
  FROM generate_series(1, 5) s) a
ORDER BY c;

-- As of a time: the deal as its rows up to then make it (rows at exactly
-- as_of count).  Before its first row the deal did not exist: NULL.
SELECT c, to_char(t, 'MM-DD') AS as_of, current_stage(p, t) AS cur, is_lost(p, t) AS lost, a.*
FROM ppaths, (VALUES (timestamptz '2025-12-31'), ('2026-01-03'), ('2026-01-05'), ('2026-02-01')) x(t),
     LATERAL (SELECT array_agg(coalesce(time_in_stage(p, s, t)::text, '-') ORDER BY s) AS time_in_stage
              FROM generate_series(1, 5) s) a
WHERE c IN ('01 in order', '04 regression', '05 lost at stage 1', '06 one row')
ORDER BY c, t;

-- The pipeline as of Feb 1: entered (a skipped stage counts as entered),
-- in it now (open deals whose current stage it is), moved on (went on to a
-- later stage), lost there; the time in the stage of the deals that left
-- it, the age in the stage of those still in it.
SELECT s.* FROM (SELECT pipeline(p, '2026-02-01') AS pl FROM ppaths) t, pipeline_stages(t.pl) s;
-- As of Jan 3: the deals started by then, as they stood then.
SELECT stage, entered, in_stage_now, moved_on, lost, round(conversion_to_next::numeric, 3) AS conversion,
       median_age_in_stage_now
FROM (SELECT pipeline(p, '2026-01-03') AS pl FROM ppaths) t, pipeline_stages(t.pl);
SELECT num_deals(pipeline(p, '2026-01-03')), as_of(pipeline(p, '2026-01-03')),
       num_deals(pipeline(p, '2025-01-01')) AS before_all FROM ppaths;
SELECT pipeline(p, '2025-01-01') AS before_every_deal FROM ppaths;
SELECT * FROM pipeline_stages((SELECT pipeline(p, '2025-01-01') FROM ppaths));
SELECT pipeline(p, '2026-02-01') AS null_paths_only FROM (VALUES (NULL::pipeline_path)) x(p);
SELECT pipeline(p, '2026-02-01') FROM ppaths WHERE false;
SELECT num_vals(stage_durations(pl, 2)) AS left_2, num_vals(stage_durations(pl, 2, true)) AS in_2,
       stage_durations(pl, 6) AS beyond, stage_durations(pl, 5, true) AS nobody_in_won
FROM (SELECT pipeline(p, '2026-02-01') AS pl FROM ppaths) t;

-- rollup of parts equals the whole; parts built as of different times
-- do not combine
SELECT (SELECT rollup(pl)::text FROM (SELECT pipeline(p, '2026-02-01') AS pl FROM ppaths GROUP BY c < '07') x)
     = (SELECT pipeline(p, '2026-02-01')::text FROM ppaths) AS rollup_equals_whole;
\set VERBOSITY default
SELECT rollup(pl) FROM (SELECT pipeline(p, '2026-02-01') AS pl FROM ppaths WHERE c < '07'
                        UNION ALL SELECT pipeline(p, '2026-03-01') FROM ppaths WHERE c >= '07') x;
SELECT pipeline(p, CASE WHEN c < '07' THEN timestamptz '2026-02-01' ELSE '2026-03-01' END) FROM (SELECT * FROM ppaths ORDER BY c) x;

-- bad input: a clear error with its SQLSTATE
\set VERBOSITY sqlstate
SELECT pipeline_path(now(), NULL);
SELECT pipeline_path(now(), 0);
SELECT pipeline_path(now(), -3, false);
SELECT pipeline_path(now(), 65);
SELECT pipeline(p, NULL) FROM ppaths;
SELECT pipeline(p, 'infinity') FROM ppaths;
SELECT time_in_stage(p, 0) FROM ppaths LIMIT 1;
SELECT time_in_stage(p, NULL) FROM ppaths LIMIT 1;
SELECT time_in_stage(p, 1, NULL) FROM ppaths LIMIT 1;
SELECT entered_at(p, 65) FROM ppaths LIMIT 1;
\set VERBOSITY default
-- NULL or infinite entered_at ignores the row; a deal without rows has no path
SELECT pipeline_path(ts, stage) IS NULL AS no_path
FROM (VALUES (NULL::timestamptz, NULL::int), ('infinity', 2)) x(ts, stage);
SELECT pipeline_path(ts, stage) FROM (VALUES (NULL::timestamptz, 1), ('2026-01-01', 2)) x(ts, stage);
-- durations past 2^63 microseconds
\set VERBOSITY sqlstate
SELECT time_in_stage(pipeline_path(ts, s), 1) FROM (VALUES (timestamptz '4713-01-01 00:00:00+00 BC', 1), ('294276-12-31 23:59:59+00', 2)) x(ts, s);
\set VERBOSITY default
SELECT time_in_stage(pipeline_path(ts, s), 2) FROM (VALUES (timestamptz '4713-01-01 00:00:00+00 BC', 1), ('294276-12-31 23:59:59+00', 2)) x(ts, s);

-- text and binary round trips
SELECT count(*) AS paths, count(*) FILTER (WHERE p::text::pipeline_path::text = p::text) AS text_ok,
       count(*) FILTER (WHERE test_recv('pipeline_path', pipeline_path_send(p)) = p::text) AS binary_ok
FROM ppaths;
SELECT pl::text::pipeline::text = pl::text AS text_ok,
       test_recv('pipeline', pipeline_send(pl)) = pl::text AS binary_ok
FROM (SELECT pipeline(p, '2026-02-01') AS pl FROM ppaths) t;
-- the text form follows the session's time zone, and reads back in any
SET timezone = 'America/New_York';
SELECT p FROM ppaths WHERE c = '05 lost at stage 1';
CREATE TEMP TABLE ny AS SELECT p::text AS t FROM ppaths;
RESET timezone;
SET timezone = 'UTC';
SELECT count(*) AS same FROM ny JOIN ppaths ON ny.t::pipeline_path::text = ppaths.p::text;

-- hostile text input
\set VERBOSITY sqlstate
SELECT ''::pipeline_path;
SELECT 'v1'::pipeline_path;
SELECT 'v2 [1@2026-01-01 00:00:00+00] last@2026-01-01 00:00:00+00'::pipeline_path;
SELECT 'v1 []  last@2026-01-01'::pipeline_path;
SELECT 'v1 [0@2026-01-01] last@2026-01-01'::pipeline_path;
SELECT 'v1 [65@2026-01-01] last@2026-01-01'::pipeline_path;
SELECT 'v1 [99999999999999999999@2026-01-01] last@2026-01-01'::pipeline_path;
SELECT 'v1 [1@2026-01-02, 2@2026-01-01] last@2026-01-02'::pipeline_path;
SELECT 'v1 [1@2026-01-01, 1@2026-01-02] last@2026-01-02'::pipeline_path;
SELECT 'v1 [1@2026-01-02] last@2026-01-01'::pipeline_path;
SELECT 'v1 [1@infinity] last@infinity'::pipeline_path;
SELECT 'v1 [1@2026-01-01] gone@2026-01-01'::pipeline_path;
SELECT 'v1 [1@2026-01-01] last@'::pipeline_path;
SELECT 'v1 [1@] last@2026-01-01'::pipeline_path;
SELECT 'v1 [1@2026-01-01,] last@2026-01-01'::pipeline_path;
SELECT 'v1 [1@2026-01-01] last@2026-01-01 extra'::pipeline_path;
SELECT 'v1 [1@2026-01-01 2@2026-01-02] last@2026-01-02'::pipeline_path;
SELECT ''::pipeline;
SELECT 'v9 as_of=2026-01-01 deals=0 stages=0 entered= in_stage_now= lost='::pipeline;
SELECT 'v1 as_of=infinity deals=0 stages=0 entered= in_stage_now= lost='::pipeline;
SELECT 'v1 as_of=2026-01-01 deals=1 stages=0 entered= in_stage_now= lost='::pipeline;
SELECT 'v1 as_of=2026-01-01 deals=1 stages=1 entered=1 in_stage_now=1 lost=0'::pipeline;
SELECT 'v1 as_of=2026-01-01 deals=1 stages=1 entered=1 in_stage_now=1 lost=1 {1 age: v1 n=1 zeros=1 sum_us=0 min_us=0 max_us=0 buckets=}'::pipeline;
SELECT 'v1 as_of=2026-01-01 deals=1 stages=2 entered=1,2 in_stage_now=0,1 lost=0,0 {1 time: v1 n=1 zeros=1 sum_us=0 min_us=0 max_us=0 buckets=} {2 age: v1 n=1 zeros=1 sum_us=0 min_us=0 max_us=0 buckets=}'::pipeline;
SELECT 'v1 as_of=2026-01-01 deals=1 stages=1 entered=1 in_stage_now=1 lost=0 {1 age: v1 n=2 zeros=2 sum_us=0 min_us=0 max_us=0 buckets=}'::pipeline;
SELECT 'v1 as_of=2026-01-01 deals=1 stages=1 entered=1 in_stage_now=1 lost=0 {1 age: v1 n=1 zeros=1 sum_us=0 min_us=0 max_us=0 buckets=} {1 age: v1 n=1 zeros=1 sum_us=0 min_us=0 max_us=0 buckets=}'::pipeline;
SELECT 'v1 as_of=2026-01-01 deals=1 stages=1 entered=1 in_stage_now=1 lost=0 {2 age: v1 n=1 zeros=1 sum_us=0 min_us=0 max_us=0 buckets=}'::pipeline;
SELECT 'v1 as_of=2026-01-01 deals=1 stages=65 entered=1 in_stage_now=1 lost=0'::pipeline;
SELECT 'v1 as_of=2026-01-01 deals=9223372036854775808 stages=0 entered= in_stage_now= lost='::pipeline;
-- the smallest valid values read
SELECT 'v1 as_of=2026-01-01 deals=0 stages=0 entered= in_stage_now= lost='::pipeline;
SELECT 'v1 as_of=2026-01-01 deals=1 stages=1 entered=1 in_stage_now=1 lost=0 {1 age: v1 n=1 zeros=1 sum_us=0 min_us=0 max_us=0 buckets=}'::pipeline;
SELECT 'v1 [1@2026-01-01] last@2026-01-01'::pipeline_path;

-- hostile binary input
SELECT test_recv('pipeline_path', '\x'::bytea);
SELECT test_recv('pipeline_path', '\x0200'::bytea || int4send(1) || int8send(0) || int8send(0) || '\x01'::bytea);
SELECT test_recv('pipeline_path', '\x0100'::bytea || int4send(2) || int8send(0) || int8send(0) || '\x01'::bytea);
SELECT test_recv('pipeline_path', '\x0100'::bytea || int4send(-1) || int8send(0));
SELECT test_recv('pipeline_path', '\x0100'::bytea || int4send(1) || int8send(0) || int8send(0) || '\x00'::bytea);
SELECT test_recv('pipeline_path', '\x0102'::bytea || int4send(1) || int8send(0) || int8send(0) || '\x01'::bytea);
SELECT test_recv('pipeline_path', '\x0100'::bytea || int4send(1) || int8send(-1) || int8send(0) || '\x01'::bytea);
SELECT test_recv('pipeline_path', '\x0100'::bytea || int4send(1) || int8send(9223372036854775807) || int8send(9223372036854775807) || '\x01'::bytea);
SELECT test_recv('pipeline_path', '\x0101'::bytea || int4send(1) || int8send(0) || int8send(0) || '\x01'::bytea);
SELECT test_recv('pipeline', '\x'::bytea);
SELECT test_recv('pipeline', '\x01000000'::bytea || int8send(0) || int8send(0));
SELECT test_recv('pipeline', '\x01000000'::bytea || int8send(0) || int8send(1));
SELECT test_recv('pipeline', '\x01000001'::bytea || int8send(0) || int8send(1) || int8send(1) || int8send(1) || int8send(0) || int4send(0) || int4send(0));
SELECT test_recv('pipeline', '\x01000001'::bytea || int8send(0) || int8send(1) || int8send(1) || int8send(1) || int8send(0) || int4send(0) || int4send(1000));
SELECT test_recv('pipeline', '\x01000041'::bytea || int8send(0) || int8send(0));
SELECT test_recv('pipeline', '\x01010000'::bytea || int8send(0) || int8send(0));
SELECT test_recv('pipeline', '\x01000000'::bytea || int8send(0) || int8send(0) || '\x00'::bytea);
\set VERBOSITY default

-- serial, forced parallel and rollup of parts give the same values
CREATE TABLE prows AS
SELECT d AS deal, timestamptz '2026-01-01' + ((hashint4(d * 10 + i) & 1023) * interval '1 hour') AS entered_at,
       1 + (hashint4(d * 31 + i) & 7) % 5 AS stage, (hashint4(d * 17 + i) & 15) = 0 AS lost
FROM generate_series(1, 20000) d, generate_series(1, 1 + d % 6) i
ORDER BY md5(d || '/' || i);  -- a deal's rows spread over the table, so over workers
ANALYZE prows;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE prows_serial AS
SELECT deal, pipeline_path(entered_at, stage, lost)::text AS p FROM prows GROUP BY deal;
CREATE TABLE prows_paths AS
SELECT deal, pipeline_path(entered_at, stage, lost) AS p FROM prows GROUP BY deal;
ANALYZE prows_paths;
SELECT pipeline(p, '2026-03-01')::text AS serial_pipeline INTO TEMP pser FROM prows_paths;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
\i test/force_parallel_on.psql
SET enable_hashagg = off;
EXPLAIN (COSTS OFF) SELECT deal, pipeline_path(entered_at, stage, lost) FROM prows GROUP BY deal;
SELECT count(*) AS differing FROM (
  SELECT deal, pipeline_path(entered_at, stage, lost)::text FROM prows GROUP BY deal
  EXCEPT SELECT * FROM prows_serial) d;
EXPLAIN (COSTS OFF) SELECT pipeline(p, '2026-03-01') FROM prows_paths;
SELECT pipeline(p, '2026-03-01')::text = (SELECT serial_pipeline FROM pser) AS parallel_equals_serial FROM prows_paths;
CREATE TABLE prows_parts AS SELECT deal % 7 AS part, pipeline(p, '2026-03-01') AS pl FROM prows_paths GROUP BY deal % 7;
EXPLAIN (COSTS OFF) SELECT rollup(pl) FROM prows_parts;
SELECT rollup(pl)::text = (SELECT serial_pipeline FROM pser) AS parallel_rollup_equals_serial FROM prows_parts;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET enable_hashagg;
\i test/force_parallel_off.psql
SELECT stage, entered, in_stage_now, moved_on, lost, round(conversion_to_next::numeric, 4) AS conversion
FROM pipeline_stages((SELECT serial_pipeline::pipeline FROM pser));

-- as a window function: the deal's path as of each of its rows
SELECT day, stage, lost, current_stage(p) AS cur, is_lost(p) AS is_lost
FROM (SELECT day, stage, lost, pipeline_path(timestamptz '2025-12-31' + day * interval '1 day', stage, lost)
             OVER (ORDER BY day, lost, stage) AS p
      FROM pcase WHERE c = '08 lost moving') x ORDER BY day;
DROP TABLE pcase, ppaths, prows, prows_serial, prows_paths, prows_parts;

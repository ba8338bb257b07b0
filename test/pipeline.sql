-- pipeline_path and pipeline against an independent reference in plain
-- SQL, on thousands of random small stage histories.  The reference reads
-- the rows as they are: in the order (entered_at, lost, stage), cut after
-- the first loss and after as_of; each row's stage lasts until the next
-- row (the last row: until as_of, or 0 when it is the loss); a stage is
-- entered at the first row of that stage or a higher one.  It knows
-- nothing of the moves pipeline_path keeps.
BEGIN;
SELECT plan(14);
SET LOCAL timezone = 'UTC';
SELECT setseed(0.4242);

-- 3000 deals of 1 to 6 rows over 10 days in whole hours (so rows often
-- share an instant), stages 1..5, one row in 8 a loss
CREATE TEMP TABLE r AS
SELECT d AS deal, timestamptz '2026-01-01' + floor(random() * 240) * interval '1 hour' AS ts,
       1 + floor(random() * 5)::int AS stage, random() < 0.125 AS lost
FROM generate_series(1, 3000) d, generate_series(1, 1 + floor(random() * 6)::int) i;
CREATE TEMP TABLE paths AS
SELECT deal, pipeline_path(ts, stage, lost) AS p FROM r GROUP BY deal;
CREATE TEMP TABLE as_ofs (a timestamptz);
INSERT INTO as_ofs VALUES ('2025-12-31'), ('2026-01-01'), ('2026-01-03 05:00'), ('2026-01-06'), ('2026-01-10 23:00'), ('2026-02-01');

-- the rows each deal keeps as of a: up to its first loss, at or before a
-- (a NULL: as of each deal's last row)
CREATE FUNCTION pg_temp.ref_rows(a timestamptz)
RETURNS TABLE (deal int, rn bigint, ts timestamptz, stage int, lost boolean, next_ts timestamptz, len interval)
LANGUAGE sql STABLE AS $$
  WITH o AS (SELECT r.*, row_number() OVER (PARTITION BY r.deal ORDER BY r.ts, r.lost, r.stage) AS rn FROM r),
  l AS (SELECT o.*, min(o.rn) FILTER (WHERE o.lost) OVER (PARTITION BY o.deal) AS loss_rn FROM o),
  k AS (SELECT l.deal, l.rn, l.ts, l.stage, l.lost FROM l
        WHERE (l.loss_rn IS NULL OR l.rn <= l.loss_rn) AND l.ts <= coalesce(a, 'infinity'))
  SELECT k.*, lead(k.ts) OVER w,
         coalesce(lead(k.ts) OVER w, CASE WHEN k.lost THEN k.ts ELSE coalesce(a, max(k.ts) OVER (PARTITION BY k.deal)) END) - k.ts
  FROM k WINDOW w AS (PARTITION BY k.deal ORDER BY k.rn)
$$;

-- per deal and stage as of a: entered_at, time in stage, current stage, lost,
-- and the start of the current stage's last visit (the rows after the
-- last row of another stage)
CREATE FUNCTION pg_temp.ref_deals(a timestamptz)
RETURNS TABLE (deal int, stage int, entered_at timestamptz, time_in_stage interval,
               current_stage int, is_lost boolean, since timestamptz)
LANGUAGE sql STABLE AS $$
  WITH k AS MATERIALIZED (SELECT * FROM pg_temp.ref_rows(a)),
  last AS (SELECT DISTINCT ON (k.deal) k.deal, k.stage AS cur, k.lost FROM k ORDER BY k.deal, k.rn DESC),
  other AS (SELECT k.deal, coalesce(max(k.rn) FILTER (WHERE k.stage <> last.cur), 0) AS other_rn, max(k.stage) AS top
            FROM k JOIN last USING (deal) GROUP BY k.deal),
  since AS (SELECT k.deal, min(k.ts) AS since FROM k JOIN other USING (deal) WHERE k.rn > other.other_rn GROUP BY k.deal),
  per AS (SELECT k.deal, k.stage, sum(k.len) AS len, min(k.ts) AS first_ts FROM k GROUP BY k.deal, k.stage)
  SELECT o.deal, s, min(per.first_ts),
         coalesce(sum(per.len) FILTER (WHERE per.stage = s), interval '0'),
         min(last.cur), bool_and(last.lost), min(since.since)
  FROM other o JOIN last USING (deal) JOIN since USING (deal)
  CROSS JOIN LATERAL generate_series(1, o.top) s
  JOIN per ON per.deal = o.deal AND per.stage >= s
  GROUP BY o.deal, s
$$;

-- the deals' figures as of each as_of, and as of their last row
CREATE TEMP TABLE ref AS
SELECT a, d.* FROM as_ofs, pg_temp.ref_deals(a) d;
CREATE TEMP TABLE ref_last AS
SELECT * FROM pg_temp.ref_deals(NULL);
ANALYZE r; ANALYZE paths; ANALYZE ref; ANALYZE ref_last;

SELECT cmp_ok((SELECT count(*) FROM ref), '>', 20000::bigint, 'the reference has thousands of (deal, stage, as_of) figures');

SELECT is_empty($$
  SELECT p.deal, s, a.a, entered_at(p.p, s) AS got_entered, time_in_stage(p.p, s, a.a) AS got_time, f.entered_at, f.time_in_stage
  FROM paths p CROSS JOIN as_ofs a CROSS JOIN generate_series(1, 5) s
  LEFT JOIN ref f ON f.deal = p.deal AND f.stage = s AND f.a = a.a
  WHERE time_in_stage(p.p, s, a.a) IS DISTINCT FROM f.time_in_stage
     OR (a.a = '2026-02-01' AND entered_at(p.p, s) IS DISTINCT FROM f.entered_at)
  LIMIT 20
$$, 'time_in_stage(p, stage, as_of) and entered_at equal the reference (NULL where not entered)');

SELECT is_empty($$
  SELECT p.deal, a.a, current_stage(p.p, a.a), is_lost(p.p, a.a), f.current_stage, f.is_lost
  FROM paths p CROSS JOIN as_ofs a
  LEFT JOIN (SELECT DISTINCT a, deal, current_stage, is_lost FROM ref) f ON f.deal = p.deal AND f.a = a.a
  WHERE current_stage(p.p, a.a) IS DISTINCT FROM f.current_stage OR is_lost(p.p, a.a) IS DISTINCT FROM f.is_lost
  LIMIT 20
$$, 'current_stage(p, as_of) and is_lost(p, as_of) equal the reference (NULL before the first row)');

SELECT is_empty($$
  SELECT p.deal, s, time_in_stage(p.p, s) AS got, f.time_in_stage, current_stage(p.p), f.current_stage
  FROM paths p CROSS JOIN generate_series(1, 5) s
  LEFT JOIN ref_last f ON f.deal = p.deal AND f.stage = s
  JOIN (SELECT DISTINCT deal, current_stage, is_lost FROM ref_last) l ON l.deal = p.deal
  WHERE time_in_stage(p.p, s) IS DISTINCT FROM f.time_in_stage
     OR entered_at(p.p, s) IS DISTINCT FROM f.entered_at
     OR current_stage(p.p) IS DISTINCT FROM l.current_stage OR is_lost(p.p) IS DISTINCT FROM l.is_lost
  LIMIT 20
$$, 'without as_of every accessor reads the deal as of its last row');

-- the pipeline per stage, as of each as_of
CREATE TEMP TABLE ref_pipe AS
SELECT f.a, f.stage, count(*) AS entered,
       count(*) FILTER (WHERE NOT f.is_lost AND f.current_stage = f.stage) AS in_stage_now,
       count(*) FILTER (WHERE f.is_lost AND f.current_stage = f.stage) AS lost,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM f.time_in_stage))
         FILTER (WHERE f.is_lost OR f.current_stage <> f.stage) AS med_time,
       percentile_disc(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM f.time_in_stage))
         FILTER (WHERE f.is_lost OR f.current_stage <> f.stage) AS p90_time,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM f.a - f.since))
         FILTER (WHERE NOT f.is_lost AND f.current_stage = f.stage) AS med_age
FROM ref f GROUP BY f.a, f.stage;
CREATE TEMP TABLE got_pipe AS
SELECT a.a, s.* FROM as_ofs a, LATERAL (SELECT pipeline(p, a.a) AS pl FROM paths) x, pipeline_stages(x.pl) s;

SELECT is_empty($$
  SELECT coalesce(g.a, f.a) AS a, coalesce(g.stage, f.stage) AS stage,
         g.entered, f.entered, g.in_stage_now, f.in_stage_now, g.lost, f.lost, g.moved_on, n.entered AS next_entered
  FROM got_pipe g FULL JOIN ref_pipe f ON f.a = g.a AND f.stage = g.stage
  LEFT JOIN ref_pipe n ON n.a = f.a AND n.stage = f.stage + 1
  WHERE g.entered IS DISTINCT FROM f.entered OR g.in_stage_now IS DISTINCT FROM f.in_stage_now
     OR g.lost IS DISTINCT FROM f.lost OR g.moved_on IS DISTINCT FROM coalesce(n.entered, 0)
     OR g.conversion_to_next IS DISTINCT FROM n.entered::float8 / f.entered
$$, 'pipeline_stages counts (entered, in_stage_now, moved_on, lost, conversion_to_next) equal the reference for every as_of');

SELECT is(count(*), 0::bigint, 'pipeline as of before every row holds no deal and no stage')
FROM got_pipe WHERE a = '2025-12-31';

SELECT is_empty($$
  SELECT g.a, g.stage, g.median_time_in_stage_seconds, f.med_time, g.p90_time_in_stage_seconds, f.p90_time,
         g.median_age_in_stage_now_seconds, f.med_age
  FROM got_pipe g JOIN ref_pipe f ON f.a = g.a AND f.stage = g.stage
  WHERE (g.median_time_in_stage_seconds IS NULL) <> (f.med_time IS NULL)
     OR (g.median_age_in_stage_now_seconds IS NULL) <> (f.med_age IS NULL)
     OR abs(g.median_time_in_stage_seconds - f.med_time) > 0.01 * f.med_time + 1e-6
     OR abs(g.p90_time_in_stage_seconds - f.p90_time) > 0.01 * f.p90_time + 1e-6
     OR abs(g.median_age_in_stage_now_seconds - f.med_age) > 0.01 * f.med_age + 1e-6
$$, 'median and p90 time in stage and median age in stage are within 1% of percentile_disc');

SELECT is_empty($$
  SELECT * FROM got_pipe
  WHERE median_time_in_stage_seconds IS DISTINCT FROM extract(epoch FROM median_time_in_stage)::float8
     OR p90_time_in_stage_seconds IS DISTINCT FROM extract(epoch FROM p90_time_in_stage)::float8
     OR median_age_in_stage_now_seconds IS DISTINCT FROM extract(epoch FROM median_age_in_stage_now)::float8
$$, 'every _seconds column is its interval in seconds');

-- order independence and merging
SELECT is_empty($$
  SELECT deal FROM (SELECT deal, pipeline_path(ts, stage, lost ORDER BY random())::text AS p FROM r GROUP BY deal) x
  JOIN paths USING (deal) WHERE x.p <> paths.p::text
$$, 'pipeline_path does not depend on the order of the rows');

SELECT is((SELECT rollup(pl)::text FROM (SELECT pipeline(p, '2026-01-06') AS pl FROM paths GROUP BY deal % 13) x),
          (SELECT pipeline(p, '2026-01-06')::text FROM paths),
          'rollup of 13 parts equals the pipeline of the whole');

SELECT is((SELECT pipeline(p, '2026-01-06')::text FROM (SELECT p FROM paths ORDER BY random()) x),
          (SELECT pipeline(p, '2026-01-06')::text FROM paths),
          'pipeline does not depend on the order of the deals');

SELECT throws_ok($$SELECT rollup(pl) FROM (SELECT pipeline(p, '2026-01-06') AS pl FROM paths
                                           UNION ALL SELECT pipeline(p, '2026-01-07') FROM paths) x$$,
                 '22023', 'cannot combine pipelines built with different as_of times',
                 'rollup of parts built as of different times is an error');

-- text and binary round trips of every random value
SELECT is_empty($$
  SELECT deal FROM paths WHERE p::text::pipeline_path::text <> p::text LIMIT 5
$$, 'every random pipeline_path reads back from its text');
SELECT is_empty($$
  SELECT a FROM as_ofs, LATERAL (SELECT pipeline(p, a) AS pl FROM paths) x
  WHERE pl::text::pipeline::text <> pl::text
$$, 'every pipeline reads back from its text');

SELECT * FROM finish();
ROLLBACK;

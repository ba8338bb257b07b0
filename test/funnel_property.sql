-- funnel_step against an independent reference: a PL/pgSQL transcription
-- of ClickHouse's windowFunnel (it expands each row into one (ts, step)
-- entry per satisfied step, sorts them and walks them; strict_once keeps
-- every partial chain with the rows it used), on thousands of random
-- small event sets, under every valid combination of options.
BEGIN;
SELECT plan(25);

CREATE TYPE pg_temp.ref_entry AS (t bigint, step int, uid bigint);
CREATE FUNCTION pg_temp.ref_funnel(ts bigint[], masks bigint[], win bigint, nsteps int, modes text)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  opts text[] := string_to_array(replace(modes, ' ', ''), ',');
  dedup bool := 'strict_deduplication' = ANY(opts);
  ord bool := 'strict_order' = ANY(opts);
  inc bool := 'strict_increase' = ANY(opts);
  once bool := 'strict_once' = ANY(opts);
  reentry bool := 'allow_reentry' = ANY(opts);
  f bigint[] := array_fill(NULL::bigint, ARRAY[nsteps]);   -- first ts of the chain reaching level k
  l bigint[] := array_fill(NULL::bigint, ARRAY[nsteps]);   -- last ts of that chain
  c_lvl int[] := '{}';  c_first bigint[] := '{}';  c_last bigint[] := '{}';  c_path text[] := '{}';
  first_event bool := false;
  ev pg_temp.ref_entry;
  et bigint[]; es int[]; eu bigint[];
  i int;
  nentries int;
  k int; j int; cnt int; matched bool;
BEGIN
  WITH r AS (SELECT u.t, u.m, row_number() OVER (ORDER BY u.t, u.m) AS uid
             FROM unnest(ts, masks) AS u(t, m)),
  e AS (SELECT r.t, s AS step, r.uid FROM r, generate_series(1, nsteps) s WHERE (r.m >> (s - 1)) & 1 = 1
        UNION ALL
        SELECT r.t, 0, r.uid FROM r WHERE r.m = 0 AND ord)
  SELECT coalesce(array_agg(e.t ORDER BY e.t, e.step, e.uid), '{}'),
         coalesce(array_agg(e.step ORDER BY e.t, e.step, e.uid), '{}'),
         coalesce(array_agg(e.uid ORDER BY e.t, e.step, e.uid), '{}')
    INTO et, es, eu FROM e;
  nentries := coalesce(array_length(et, 1), 0);
  IF nentries = 0 THEN RETURN 0; END IF;
  IF NOT ord AND nsteps = 1 THEN RETURN 1; END IF;

  FOR i IN 1..nentries LOOP
    ev := (et[i], es[i], eu[i])::pg_temp.ref_entry;
    IF ord AND ev.step = 0 THEN
      IF first_event THEN EXIT; END IF;
      CONTINUE;
    END IF;
    IF NOT once THEN
      IF ev.step = 1 THEN
        f[1] := ev.t; l[1] := ev.t; first_event := true;
      ELSIF dedup AND f[ev.step] IS NOT NULL THEN
        EXIT;
      ELSIF ord AND first_event AND f[ev.step - 1] IS NULL THEN
        IF reentry THEN CONTINUE; END IF;
        EXIT;
      ELSIF f[ev.step - 1] IS NOT NULL THEN
        matched := ev.t <= f[ev.step - 1] + win;
        IF inc THEN matched := matched AND l[ev.step - 1] < ev.t; END IF;
        IF matched THEN
          f[ev.step] := f[ev.step - 1]; l[ev.step] := ev.t;
          IF ev.step = nsteps THEN RETURN nsteps; END IF;
        END IF;
      END IF;
    ELSE
      IF ev.step = 1 THEN
        c_lvl := c_lvl || 1; c_first := c_first || ev.t; c_last := c_last || ev.t;
        c_path := c_path || (',' || ev.uid || ',');
        first_event := true;
      ELSIF dedup AND ev.step = ANY(c_lvl) THEN
        EXIT;
      ELSIF ord AND first_event AND NOT (ev.step - 1 = ANY(c_lvl)) THEN
        IF reentry THEN CONTINUE; END IF;
        EXIT;
      ELSIF ev.step - 1 = ANY(c_lvl) THEN
        cnt := coalesce(array_length(c_lvl, 1), 0);
        FOR j IN 1..cnt LOOP
          CONTINUE WHEN c_lvl[j] <> ev.step - 1;
          matched := ev.t <= c_first[j] + win
                     AND position(',' || ev.uid || ',' IN c_path[j]) = 0;
          IF inc THEN matched := matched AND c_last[j] < ev.t; END IF;
          IF matched THEN
            c_lvl := c_lvl || ev.step; c_first := c_first || c_first[j]; c_last := c_last || ev.t;
            c_path := c_path || (c_path[j] || ev.uid || ',');
            IF ev.step = nsteps THEN RETURN nsteps; END IF;
          END IF;
        END LOOP;
      END IF;
    END IF;
  END LOOP;
  -- the level reached: levels are reached in order 1, 2, ...
  IF once THEN
    RETURN coalesce((SELECT max(x) FROM unnest(c_lvl) x), 0);
  END IF;
  FOR k IN REVERSE nsteps..1 LOOP
    IF f[k] IS NOT NULL THEN RETURN k; END IF;
  END LOOP;
  RETURN 0;
END $$;

-- every valid combination of the five options (allow_reentry needs strict_order)
CREATE TEMP TABLE modes AS
SELECT array_to_string(ARRAY(SELECT o FROM unnest(ARRAY['strict_deduplication','strict_order','strict_increase','strict_once','allow_reentry']) WITH ORDINALITY AS x(o, i)
                             WHERE (b >> (i::int - 1)) & 1 = 1 ORDER BY i), ',') AS mode
FROM generate_series(0, 31) b
WHERE NOT ((b & 16) <> 0 AND (b & 2) = 0);

SELECT is((SELECT count(*) FROM modes), 24::bigint, '24 valid option combinations');

-- random small event sets: few distinct hours (many ties), windows that
-- often end exactly on an event, rows matching several steps, NULLs
SELECT setseed(0.4242);
CREATE TEMP TABLE sets AS
SELECT g, 1 + floor(random() * 4)::int AS nsteps,
       -- a window of 1 microsecond: steps must share step 1's hour (a zero
       -- window is an error)
       (ARRAY[interval '1 microsecond', '1 hour', '2 hours', '3 hours'])[1 + floor(random() * 4)::int] AS win
FROM generate_series(1, 2500) g;
CREATE TEMP TABLE rows AS
SELECT s.g, timestamptz '2026-03-01 00:00+00' + floor(random() * 6) * interval '1 hour' AS ts,
       CASE WHEN random() < 0.03 THEN NULL ELSE random() < 0.4 END AS s1,
       random() < 0.4 AS s2, random() < 0.4 AS s3,
       CASE WHEN random() < 0.02 THEN NULL ELSE random() < 0.4 END AS s4
FROM sets s, LATERAL generate_series(1, floor(random() * 8)::int + (s.g * 0)) r;
INSERT INTO rows SELECT g, NULL, true, true, true, true FROM sets WHERE g % 50 = 0;

CREATE TEMP TABLE ours AS
SELECT s.g, m.mode,
       funnel_step(r.ts, s.win, m.mode, VARIADIC (ARRAY[r.s1, r.s2, r.s3, r.s4])[1:s.nsteps]) AS level,
       funnel_path(r.ts, s.win, m.mode, VARIADIC (ARRAY[r.s1, r.s2, r.s3, r.s4])[1:s.nsteps]) AS path
FROM sets s CROSS JOIN modes m LEFT JOIN rows r ON r.g = s.g
GROUP BY s.g, m.mode;

-- the reference gets each set as arrays of microseconds and step masks,
-- rows with a NULL timestamp or condition left out
CREATE TEMP TABLE set_arrays AS
SELECT s.g, s.nsteps, (extract(epoch FROM s.win) * 1000000)::bigint AS win,
       coalesce(array_agg((extract(epoch FROM r.ts) * 1000000)::bigint)
                FILTER (WHERE r.ts IS NOT NULL AND array_position((ARRAY[r.s1, r.s2, r.s3, r.s4])[1:s.nsteps], NULL) IS NULL), '{}') AS ts,
       coalesce(array_agg((CASE WHEN r.s1 THEN 1 ELSE 0 END
                           + CASE WHEN s.nsteps >= 2 AND r.s2 THEN 2 ELSE 0 END
                           + CASE WHEN s.nsteps >= 3 AND r.s3 THEN 4 ELSE 0 END
                           + CASE WHEN s.nsteps >= 4 AND r.s4 THEN 8 ELSE 0 END)::bigint)
                FILTER (WHERE r.ts IS NOT NULL AND array_position((ARRAY[r.s1, r.s2, r.s3, r.s4])[1:s.nsteps], NULL) IS NULL), '{}') AS masks
FROM sets s LEFT JOIN rows r ON r.g = s.g
GROUP BY s.g, s.nsteps, s.win;

CREATE TEMP TABLE theirs AS
SELECT a.g, m.mode, pg_temp.ref_funnel(a.ts, a.masks, a.win, a.nsteps, m.mode) AS level
FROM set_arrays a, modes m;

SELECT is((SELECT count(*) FROM ours), 60000::bigint, '2500 event sets x 24 option combinations');
SELECT cmp_ok((SELECT count(DISTINCT g) FROM rows), '>', 2100::bigint, 'most sets have events');
SELECT is((SELECT count(*) FROM ours o JOIN theirs t USING (g, mode) WHERE o.level IS DISTINCT FROM t.level),
          0::bigint, 'funnel_step equals the reference on every set and option combination');
SELECT is((SELECT count(*) FROM ours WHERE level IS DISTINCT FROM coalesce(steps(path), 0)),
          0::bigint, 'steps(funnel_path) equals funnel_step');
-- the test is not vacuous: the options change answers, every level occurs
SELECT cmp_ok((SELECT count(*) FROM ours o JOIN ours d ON d.g = o.g AND d.mode = '' WHERE o.level <> d.level),
              '>', 1000::bigint, 'options change many answers');
SELECT is((SELECT array_agg(DISTINCT level ORDER BY level) FROM ours), ARRAY[0, 1, 2, 3, 4], 'every level occurs');

-- the overloads taking the conditions as separate arguments agree
SELECT is((SELECT count(*) FROM ours o JOIN (
             SELECT s.g, m.mode, funnel_step(r.ts, s.win, m.mode, r.s1, r.s2, r.s3, r.s4) AS level
             FROM sets s CROSS JOIN modes m LEFT JOIN rows r ON r.g = s.g
             WHERE s.nsteps = 4 GROUP BY s.g, m.mode) a USING (g, mode)
           WHERE a.level IS DISTINCT FROM o.level),
          0::bigint, 'separate-argument overloads equal the VARIADIC form');

-- input order does not matter: the same rows fed in reverse order
SELECT is((SELECT count(*) FROM ours o JOIN LATERAL (
             SELECT funnel_step(x.ts, s.win, o.mode, VARIADIC (ARRAY[x.s1, x.s2, x.s3, x.s4])[1:s.nsteps]) AS level
             FROM (SELECT * FROM rows r WHERE r.g = o.g ORDER BY r.ts DESC, r.s1 DESC NULLS FIRST OFFSET 0) x, sets s
             WHERE s.g = o.g) rev ON true
           WHERE rev.level IS DISTINCT FROM o.level AND o.g % 5 = 0),
          0::bigint, 'reversed input order gives the same levels');

-- the label form, funnel_step/funnel_path(ts, window, label, steps text[]
-- [, mode]), is the boolean form with step k = (label = steps[k]): the
-- same event sets with a label per row (NULLs among them), step labels
-- drawn with repeats (a row may match several steps), every option
-- combination, both time types
CREATE TEMP TABLE lsteps AS
SELECT g, (SELECT array_agg((ARRAY['a', 'b', 'c', 'd'])[1 + floor(random() * 4)::int])
           FROM generate_series(1, nsteps + (g * 0))) AS steps
FROM sets;
CREATE TEMP TABLE lrows AS
SELECT g, ts, CASE WHEN random() < 0.05 THEN NULL ELSE (ARRAY['a', 'b', 'c', 'd', 'e'])[1 + floor(random() * 5)::int] END AS label
FROM rows;
CREATE TEMP TABLE lcmp AS
SELECT s.g, m.mode,
       funnel_step(r.ts, s.win, r.label, l.steps, m.mode) AS level,
       funnel_path(r.ts, s.win, r.label, l.steps, m.mode)::text AS path,
       funnel_step(r.ts::timestamp, s.win, r.label, l.steps, m.mode) AS level_ts,
       funnel_path(r.ts::timestamp, s.win, r.label, l.steps, m.mode)::text AS path_ts,
       funnel_step(r.ts, s.win, m.mode, VARIADIC (ARRAY[r.label = l.steps[1], r.label = l.steps[2], r.label = l.steps[3],
                                                   r.label = l.steps[4]])[1:s.nsteps]) AS bool_level,
       funnel_path(r.ts, s.win, m.mode, VARIADIC (ARRAY[r.label = l.steps[1], r.label = l.steps[2], r.label = l.steps[3],
                                                   r.label = l.steps[4]])[1:s.nsteps])::text AS bool_path
FROM sets s JOIN lsteps l USING (g) CROSS JOIN modes m LEFT JOIN lrows r ON r.g = s.g
GROUP BY s.g, m.mode;
SELECT is((SELECT count(*) FROM lcmp WHERE level IS DISTINCT FROM bool_level OR level_ts IS DISTINCT FROM bool_level),
          0::bigint, 'label form funnel_step equals the boolean form with label = steps[k], every option combination');
SELECT is((SELECT count(*) FROM lcmp WHERE path IS DISTINCT FROM bool_path OR path_ts IS DISTINCT FROM bool_path),
          0::bigint, 'label form funnel_path equals the boolean form, both time types');
SELECT cmp_ok((SELECT count(DISTINCT level) FROM lcmp WHERE level > 0 AND mode = ''), '>=', 4::bigint,
              'label funnels reach every level');
SELECT is((SELECT count(*) FROM lcmp c JOIN (
             SELECT s.g, funnel_step(r.ts, s.win, r.label, l.steps) AS level,
                    funnel_path(r.ts::timestamp, s.win, r.label, l.steps)::text AS path
             FROM sets s JOIN lsteps l USING (g) LEFT JOIN lrows r ON r.g = s.g GROUP BY s.g) d USING (g)
           WHERE c.mode = '' AND (d.level IS DISTINCT FROM c.level OR d.path IS DISTINCT FROM c.path)),
          0::bigint, 'the label form without a mode is the default mode');
-- many distinct step labels (looked up by hash, not scanned): 12 steps
CREATE TEMP TABLE lwide AS
SELECT g % 200 AS g, timestamptz '2026-03-01 00:00+00' + floor(random() * 30) * interval '1 hour' AS ts,
       'l' || floor(random() * 14)::int AS label
FROM generate_series(1, 6000) g;
SELECT is((SELECT count(*) FROM (
             SELECT g, m.mode,
                    funnel_step(ts, '10 hours', label, ARRAY['l3', 'l1', 'l4', 'l1', 'l5', 'l9', 'l2', 'l6', 'l5', 'l3', 'l10', 'l0'], m.mode) AS a,
                    funnel_step(ts, '10 hours', m.mode, VARIADIC ARRAY[label = 'l3', label = 'l1', label = 'l4', label = 'l1', label = 'l5',
                                label = 'l9', label = 'l2', label = 'l6', label = 'l5', label = 'l3', label = 'l10', label = 'l0']) AS b
             FROM lwide CROSS JOIN modes m GROUP BY g, m.mode) x WHERE a IS DISTINCT FROM b),
          0::bigint, 'label form with 12 steps of 10 distinct labels equals the boolean form');

-- the reported path starts at the earliest step-1 event that begins some
-- chain reaching the level (brute force over all chains; default mode and
-- strict_increase, where rows may fill several steps or need later times)
CREATE TEMP TABLE flat AS
SELECT a.g, a.nsteps, a.win, u.t, u.m FROM set_arrays a, unnest(a.ts, a.masks) AS u(t, m);
SELECT is((
  WITH RECURSIVE chains AS (
    SELECT f.g, md.mode, 1 AS k, f.t AS start, f.t AS last
    FROM flat f, (VALUES (''), ('strict_increase')) md(mode) WHERE f.m & 1 = 1
    UNION
    SELECT c.g, c.mode, c.k + 1, c.start, f.t
    FROM chains c JOIN flat f ON f.g = c.g AND (f.m >> c.k) & 1 = 1 AND c.k < f.nsteps
     AND (f.t > c.last OR (c.mode = '' AND f.t = c.last)) AND f.t <= c.start + f.win)
  SELECT count(*) FROM ours o
  WHERE o.mode IN ('', 'strict_increase') AND o.level > 0
    AND (extract(epoch FROM reached_at(o.path, 1)) * 1000000)::bigint
        IS DISTINCT FROM (SELECT min(c.start) FROM chains c WHERE c.g = o.g AND c.mode = o.mode AND c.k >= o.level)),
  0::bigint, 'funnel_path reports the earliest-starting chain');

-- reported paths are chains: nondecreasing, within the window, each
-- time carries a row satisfying that step
SELECT is((SELECT count(*) FROM (
             SELECT s.g, s.win, s.nsteps,
                    funnel_path(r.ts, s.win, VARIADIC (ARRAY[r.s1, r.s2, r.s3, r.s4])[1:s.nsteps]) AS p
             FROM sets s JOIN rows r USING (g) GROUP BY s.g, s.win, s.nsteps) x,
             generate_series(1, steps(x.p)) k
           WHERE reached_at(x.p, k) > reached_at(x.p, 1) + x.win
              OR (k > 1 AND reached_at(x.p, k) < reached_at(x.p, k - 1))
              OR NOT EXISTS (SELECT 1 FROM rows r WHERE r.g = x.g AND r.ts = reached_at(x.p, k)
                             AND (ARRAY[r.s1, r.s2, r.s3, r.s4])[k])),
          0::bigint, 'funnel_path reports a valid chain');

-- Round trips at the extremes: funnel_path and funnel values built by the
-- aggregates from events at the first and last timestamps there are
-- (4714-11-24 BC, 294276-12-31), windows from 1 microsecond to the widest
-- interval, every option combination; and funnels whose counts are near
-- 2^63.  Whatever the output writes, text and binary input read back.
SET LOCAL timezone = 'UTC';
CREATE TEMP TABLE xsets AS
SELECT g, 1 + floor(random() * 4)::int AS nsteps,
       (ARRAY[interval '1 microsecond', '1 hour', '1000 years', '106751991 days 04:00:54.775807'])[1 + floor(random() * 4)::int] AS win
FROM generate_series(1, 200) g;
CREATE TEMP TABLE xrows AS
SELECT s.g,
       (ARRAY[timestamptz '4714-11-24 00:00:00+00 BC', '4714-11-24 00:00:00.000001+00 BC', '4714-11-25 00:00:00+00 BC',
              '2026-03-01 00:00+00', '294276-12-31 23:59:59.999999+00', '294276-12-31 23:59:59.999998+00',
              '294276-12-30 00:00:00+00'])[1 + floor(random() * 7)::int] AS ts,
       random() < 0.5 AS s1, random() < 0.5 AS s2, random() < 0.5 AS s3, random() < 0.5 AS s4
FROM xsets s, LATERAL generate_series(1, 1 + floor(random() * 6)::int + (s.g * 0)) r;
CREATE TEMP TABLE xpaths AS
SELECT s.g, s.win, m.mode,
       funnel_path(r.ts, s.win, m.mode, VARIADIC (ARRAY[r.s1, r.s2, r.s3, r.s4])[1:s.nsteps]) AS p,
       funnel_path(r.ts::timestamp, s.win, m.mode, VARIADIC (ARRAY[r.s1, r.s2, r.s3, r.s4])[1:s.nsteps]) AS p_ts
FROM xsets s JOIN xrows r USING (g) CROSS JOIN modes m
GROUP BY s.g, s.win, m.mode;
CREATE TEMP TABLE xfunnels AS
SELECT x.win, x.mode, s.nsteps, funnel(x.p) AS fn
FROM xpaths x JOIN xsets s USING (g) GROUP BY x.win, x.mode, s.nsteps;
-- counts near 2^63: the largest funnel a rollup can reach
INSERT INTO xfunnels
SELECT NULL::interval, NULL::text, 2, rollup(fn) FROM (VALUES
  ('v2 steps=2 customers=4611686018427387904 reached=4611686018427387904,4611686018427387904 timed=true window=01:00:00 mode=default {2: v1 n=4611686018427387904 zeros=0 sum_us=2767011611056432742400000000 min_us=600000000 max_us=600000000 buckets=1021:4611686018427387904; v1 n=4611686018427387904 zeros=0 sum_us=2767011611056432742400000000 min_us=600000000 max_us=600000000 buckets=1021:4611686018427387904}'::funnel),
  ('v2 steps=2 customers=4611686018427387903 reached=1,0 timed=true window=01:00:00 mode=default'::funnel)) v(fn)
UNION ALL
SELECT NULL::interval, NULL::text, 2, rollup(fn) FROM (VALUES
  ('v2 steps=2 customers=9223372036854775806 reached=9223372036854775806,1 timed=false'::funnel),
  ('v2 steps=2 customers=1 reached=1,1 timed=false'::funnel)) v(fn);

SELECT cmp_ok((SELECT count(*) FROM xpaths WHERE steps(p) >= 2 AND reached_at(p, 1) < '4714-11-25 00:00:01+00 BC'), '>', 0::bigint,
              'some paths start at 4714 BC and reach step 2');
SELECT is((SELECT count(*) FROM xpaths
           WHERE p::text::funnel_path::text IS DISTINCT FROM p::text
              OR p_ts::text::funnel_path::text IS DISTINCT FROM p_ts::text),
          0::bigint, 'funnel_path text output reads back, at the extremes');
SELECT is((SELECT count(*) FROM xfunnels WHERE fn::text::funnel::text IS DISTINCT FROM fn::text),
          0::bigint, 'funnel text output reads back, at the extremes and near 2^63');
SELECT is((SELECT count(*) FROM xfunnels WHERE fn IS NULL OR num_customers(fn) IS NULL), 0::bigint,
          'every funnel was built (no overflow error, no NULL)');
SELECT cmp_ok((SELECT max(num_customers(fn)) FROM xfunnels), '=', 9223372036854775807::bigint,
              'a funnel counts 2^63 - 1 customers');
SELECT throws_ok($$SELECT rollup(fn) FROM (VALUES ('v2 steps=2 customers=9223372036854775807 reached=0,0 timed=false'::funnel),
                                                  ('v2 steps=2 customers=1 reached=0,0 timed=false'::funnel)) v(fn)$$,
                 '22003', 'funnel customer count out of range', 'a rollup past 2^63 - 1 customers is an error');

-- binary: COPY out and in again (server-side files, as a superuser)
DO $$
DECLARE
  f text := '/tmp/journey_funnel_rt_' || pg_backend_pid() || '.bin';
BEGIN
  CREATE TEMP TABLE xbin_out AS
    SELECT row_number() OVER () AS id, p, p_ts, NULL::funnel AS fn FROM xpaths
    UNION ALL SELECT -row_number() OVER (), NULL, NULL, fn FROM xfunnels;
  EXECUTE format('COPY xbin_out TO %L WITH (FORMAT binary)', f);
  CREATE TEMP TABLE xbin_in (LIKE xbin_out);
  EXECUTE format('COPY xbin_in FROM %L WITH (FORMAT binary)', f);
  EXECUTE format('COPY (SELECT 1) TO %L', f);	-- leave no large file behind
END $$;
SELECT is((SELECT count(*) FROM xbin_in), (SELECT count(*) FROM xbin_out), 'binary COPY reads every row back');
SELECT is((SELECT count(*) FROM xbin_out o JOIN xbin_in i USING (id)
           WHERE o.p::text IS DISTINCT FROM i.p::text OR o.p_ts::text IS DISTINCT FROM i.p_ts::text
              OR o.fn::text IS DISTINCT FROM i.fn::text),
          0::bigint, 'binary input reads back what binary output wrote, funnel_path and funnel');
SELECT is((SELECT count(*) FROM xfunnels f
           WHERE f.win IS NOT NULL
             AND (SELECT rollup(fn)::text FROM (SELECT funnel(x.p) AS fn FROM xpaths x JOIN xsets s USING (g)
                                                WHERE x.win = f.win AND x.mode = f.mode AND s.nsteps = f.nsteps
                                                GROUP BY x.g % 3) parts) IS DISTINCT FROM f.fn::text),
          0::bigint, 'rollup of parts equals the funnel of the whole, at the extremes');

SELECT * FROM finish();
ROLLBACK;

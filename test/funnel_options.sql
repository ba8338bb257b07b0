-- journey's own funnel options against independent references, on
-- thousands of random small event sets:
--   exclude=A-B (drop and truncate) and step_windows={...}: every chain
--   enumerated by a recursive query, each checked by a PL/pgSQL predicate
--   (the definition in the README, transcribed);
--   any_order: distinct steps counted by plain SQL over every window
--   starting at a step event;
--   funnel(path, as_of): in progress and conversion counted by plain SQL
--   from the paths.
-- The boolean form, the label form and the stored-journey form are each
-- compared with the reference.
BEGIN;
SELECT plan(14);

SET LOCAL timezone = 'UTC';
\i test/roundtrip.psql

-- the exclusion rule: chain times t[1..k] are clean when no exclusion
-- event of exclusion x lies strictly between t[from] and t[j], A < j <= B
CREATE FUNCTION pg_temp.ref_clean(t bigint[], ex_from int[], ex_to int[], xs bigint[][]) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  k int := array_length(t, 1);
  x int;
  j int;
  v bigint;
BEGIN
  IF ex_from IS NULL THEN RETURN true; END IF;
  FOR x IN 1..coalesce(array_length(ex_from, 1), 0) LOOP
    CONTINUE WHEN ex_from[x] >= k;
    FOR j IN ex_from[x] + 1 .. least(ex_to[x], k) LOOP
      FOREACH v IN ARRAY coalesce(xs[x:x][:], '{}') LOOP
        IF v IS NOT NULL AND v > t[ex_from[x]] AND v < t[j] THEN RETURN false; END IF;
      END LOOP;
    END LOOP;
  END LOOP;
  RETURN true;
END $$;

-- random sets: 2..4 steps, a window of 1..3 hours, sometimes step windows
-- (NULL: none for that step), 0..2 exclusions with random ranges, drop or
-- truncate; 4..11 events on 8 distinct half hours (many ties, windows ending
-- exactly on events), labels a..d for steps, x1/x2 for exclusions
SELECT setseed(0.1212);
CREATE TEMP TABLE sets AS
SELECT g, nsteps, win, sw, ex_from, ex_to, truncate, ne
FROM (
  SELECT g, nsteps, win,
         CASE WHEN random() < 0.5 THEN NULL ELSE
           ARRAY(SELECT (ARRAY[NULL, 3600, 7200]::bigint[])[1 + floor(random() * 3)::int] + 0 * (g + i)
                 FROM generate_series(1, nsteps - 1) i) END AS sw,
         ne
  FROM (SELECT g, 2 + floor(random() * 3)::int AS nsteps, 3600 * (1 + floor(random() * 3)::bigint) AS win,
               floor(random() * 3)::int AS ne
        FROM generate_series(1, 2400) g) s0) s1,
LATERAL (SELECT array_agg(a ORDER BY x) AS ex_from, array_agg(b ORDER BY x) AS ex_to
         FROM (SELECT x, a, a + 1 + floor(random() * (nsteps - a))::int AS b
               FROM (SELECT x, 1 + floor(random() * (nsteps - 1) + 0 * g)::int AS a
                     FROM generate_series(1, ne) x) r0) r1) ex,
LATERAL (SELECT random() < 0.5 + 0 * g AS truncate) tr;

CREATE TEMP TABLE ev AS
SELECT s.g, timestamptz '2026-03-01 00:00+00' + floor(random() * 8) * interval '30 minutes' AS ts,
       (ARRAY['a','b','c','d','x1','x2','x1','a','b','z'])[1 + floor(random() * 10)::int] AS label
FROM sets s, generate_series(1, 4 + floor(random() * 8)::int + 0 * s.g) i
WHERE s.g % 2 = 1
UNION ALL
-- every other set: the steps in order, 30 to 90 minutes apart, and one or
-- two exclusion events anywhere (so that exclusions often fall between steps)
SELECT s.g, timestamptz '2026-03-01 00:00+00' + (2 * (k - 1) + floor(random() * 2)) * interval '30 minutes',
       (ARRAY['a','b','c','d'])[k]
FROM sets s, generate_series(1, s.nsteps) k WHERE s.g % 2 = 0
UNION ALL
SELECT s.g, timestamptz '2026-03-01 00:00+00' + floor(random() * 2 * s.nsteps) * interval '30 minutes',
       'x' || (1 + floor(random() * least(2, s.ne + 0))::int)
FROM sets s, generate_series(1, 1 + floor(random() * 2)::int + 0 * s.g) i WHERE s.g % 2 = 0 AND s.ne > 0;

CREATE TEMP TABLE setmode AS
SELECT g, nsteps, win, sw, ex_from, ex_to, truncate,
       (SELECT array_agg(l) FROM unnest(ARRAY['a','b','c','d']) WITH ORDINALITY u(l, i) WHERE i <= nsteps) AS steps,
       coalesce(array_length(ex_from, 1), 0) AS ne,
       concat_ws(',',
         (SELECT string_agg(format('exclude=%s-%s', ex_from[x], ex_to[x]), ',' ORDER BY x)
          FROM generate_series(1, coalesce(array_length(ex_from, 1), 0)) x),
         CASE WHEN ex_from IS NOT NULL THEN CASE WHEN truncate THEN 'exclusion=truncate' ELSE 'exclusion=drop' END END,
         CASE WHEN sw IS NOT NULL THEN 'step_windows={' ||
           (SELECT string_agg(coalesce((w * interval '1 second')::text, 'NULL'), ',' ORDER BY i)
            FROM unnest(sw) WITH ORDINALITY u(w, i)) || '}' END) AS mode,
       concat_ws(',',
         (SELECT string_agg(format('exclude=%s-%s:x%s', ex_from[x], ex_to[x], x), ',' ORDER BY x)
          FROM generate_series(1, coalesce(array_length(ex_from, 1), 0)) x),
         CASE WHEN ex_from IS NOT NULL THEN CASE WHEN truncate THEN 'exclusion=truncate' ELSE 'exclusion=drop' END END,
         CASE WHEN sw IS NOT NULL THEN 'step_windows={' ||
           (SELECT string_agg(coalesce((w * interval '1 second')::text, 'NULL'), ',' ORDER BY i)
            FROM unnest(sw) WITH ORDINALITY u(w, i)) || '}' END) AS label_mode
FROM sets;

SELECT ok((SELECT count(*) FROM setmode WHERE ne > 0) > 1200
          AND (SELECT count(*) FROM setmode WHERE sw IS NOT NULL) > 800
          AND (SELECT count(*) FROM setmode WHERE ne > 0 AND NOT truncate) > 500,
          'the random sets cover exclusions (both behaviours) and step windows');

-- event times as seconds from the start, per step and per exclusion
CREATE TEMP TABLE evs AS
SELECT e.g, extract(epoch FROM e.ts - timestamptz '2026-03-01 00:00+00')::bigint AS t, e.label
FROM ev e;

-- every chain of every set, enumerated: step k at or after step k-1,
-- within the window of step 1 and the step window from step k-1
CREATE TEMP TABLE chains AS
WITH RECURSIVE st AS (
  SELECT DISTINCT m.g, k, v.t
  FROM setmode m JOIN evs v ON v.g = m.g
  JOIN LATERAL generate_series(1, m.nsteps) k ON m.steps[k] = v.label
), c(g, k, t) AS (
  SELECT g, 1, ARRAY[t] FROM st WHERE k = 1
  UNION ALL
  SELECT c.g, c.k + 1, c.t || s.t
  FROM c JOIN setmode m ON m.g = c.g
  JOIN st s ON s.g = c.g AND s.k = c.k + 1
  WHERE s.t >= c.t[c.k] AND s.t - c.t[1] <= m.win
    AND (m.sw IS NULL OR m.sw[c.k] IS NULL OR s.t - c.t[c.k] <= m.sw[c.k])
)
SELECT c.g, c.k, c.t,
       pg_temp.ref_clean(c.t, m.ex_from, m.ex_to,
         CASE WHEN m.ne = 0 THEN NULL ELSE
           (SELECT array_agg(xrow ORDER BY x) FROM (
              SELECT x, ARRAY(SELECT v.t FROM evs v WHERE v.g = c.g AND v.label = 'x' || x
                              UNION ALL SELECT NULL::bigint FROM generate_series(1, 12)
                              LIMIT 12) AS xrow
              FROM generate_series(1, m.ne) x) q) END) AS clean
FROM c JOIN setmode m ON m.g = c.g;

CREATE TEMP TABLE ref AS
SELECT m.g,
       coalesce((SELECT max(k) FROM chains c WHERE c.g = m.g AND c.clean), 0) AS clean_level,
       coalesce((SELECT max(k) FROM chains c WHERE c.g = m.g), 0) AS all_level,
       m.truncate, m.ne
FROM setmode m;
ALTER TABLE ref ADD COLUMN level int;
UPDATE ref SET level = CASE WHEN ne > 0 AND NOT truncate AND all_level > clean_level THEN NULL ELSE clean_level END;

SELECT diag(format('dropped %s, truncated %s, of %s', (SELECT count(*) FROM ref WHERE level IS NULL),
                   (SELECT count(*) FROM ref WHERE ne > 0 AND truncate AND clean_level < all_level), (SELECT count(*) FROM ref)));
SELECT ok((SELECT count(*) FROM ref WHERE level IS NULL) > 50
          AND (SELECT count(*) FROM ref WHERE ne > 0 AND truncate AND clean_level < all_level) > 50
          AND (SELECT count(*) FROM ref WHERE ne > 0 AND clean_level > 0 AND clean_level = all_level) > 300,
          'the reference drops and truncates customers');

-- the boolean form: steps then exclusions as conditions
CREATE TEMP TABLE got_bool AS
SELECT e.g, funnel_step(e.ts, m.win * interval '1 second', m.mode,
                        VARIADIC (SELECT array_agg(e.label = s ORDER BY i) FROM unnest(m.steps) WITH ORDINALITY u(s, i))
                                 || (SELECT coalesce(array_agg(e.label = 'x' || x ORDER BY x), '{}') FROM generate_series(1, m.ne) x)) AS level,
       funnel_path(e.ts, m.win * interval '1 second', m.mode,
                   VARIADIC (SELECT array_agg(e.label = s ORDER BY i) FROM unnest(m.steps) WITH ORDINALITY u(s, i))
                            || (SELECT coalesce(array_agg(e.label = 'x' || x ORDER BY x), '{}') FROM generate_series(1, m.ne) x)) AS path
FROM ev e JOIN setmode m USING (g) GROUP BY e.g;

SELECT is((SELECT count(*) FROM ref r LEFT JOIN got_bool b USING (g) WHERE b.level IS DISTINCT FROM r.level),
          0::bigint, 'funnel_step with exclusions and step windows (boolean form) equals the reference');

SELECT is((SELECT count(*) FROM got_bool WHERE (path IS NULL) <> (level IS NULL) OR steps(path) <> level),
          0::bigint, 'funnel_path reaches the level funnel_step gives, and is NULL for the same customers');

-- the reported chain is a clean chain reaching the level at the earliest time it can
SELECT is((SELECT count(*) FROM got_bool b
           WHERE b.level > 0 AND NOT EXISTS (
             SELECT 1 FROM chains c
             WHERE c.g = b.g AND c.k = b.level AND c.clean
               AND c.t = ARRAY(SELECT extract(epoch FROM reached_at(b.path, i) - timestamptz '2026-03-01 00:00+00')::bigint
                               FROM generate_series(1, b.level) i ORDER BY i)
               AND c.t[c.k] = (SELECT min(c2.t[c2.k]) FROM chains c2 WHERE c2.g = b.g AND c2.k = b.level AND c2.clean))),
          0::bigint, 'funnel_path reports a clean chain that reaches the level at the earliest time');

-- the label form: exclude=A-B:label
SELECT is((SELECT count(*) FROM ref r LEFT JOIN (
             SELECT e.g, funnel_step(e.ts, m.win * interval '1 second', e.label, m.steps, m.label_mode) AS level
             FROM ev e JOIN setmode m USING (g) GROUP BY e.g) l USING (g)
           WHERE l.level IS DISTINCT FROM r.level),
          0::bigint, 'funnel_step over labels with exclusions and step windows equals the reference');

-- stored journeys
SELECT is((SELECT count(*) FROM ref r LEFT JOIN (
             SELECT j.g, funnel_step(j.j, m.win * interval '1 second', m.steps, m.label_mode) AS level,
                         funnel_path(j.j, m.win * interval '1 second', m.steps, m.label_mode) AS path
             FROM (SELECT g, journey_agg(ts, label) AS j FROM ev GROUP BY g) j JOIN setmode m USING (g)) l USING (g)
           LEFT JOIN got_bool b USING (g)
           WHERE l.level IS DISTINCT FROM r.level OR l.path::text IS DISTINCT FROM b.path::text),
          0::bigint, 'funnel_step and funnel_path over stored journeys with exclusions equal the row forms');

-- serial = forced parallel, over a regular table
CREATE TABLE funnel_options_ev AS SELECT e.*, m.mode, m.win, m.steps, m.ne FROM ev e JOIN setmode m USING (g);
ANALYZE funnel_options_ev;
\i test/force_parallel_on.psql
SELECT is((SELECT sum(l) FROM (SELECT funnel_step(ts, interval '2 hours', label, '{a,b,c}'::text[], 'exclude=1-3:x1,exclusion=truncate') AS l
                              FROM funnel_options_ev GROUP BY g) p)::bigint,
          (SELECT sum(l) FROM (SELECT funnel_step(ts, interval '2 hours', label, '{a,b,c}'::text[], 'exclude=1-3:x1,exclusion=truncate') AS l
                              FROM ev GROUP BY g) p)::bigint,
          'parallel (regular table) equals serial (temporary table)');
\i test/force_parallel_off.psql
DROP TABLE funnel_options_ev;

-- any_order: the most distinct steps within a window starting at a step event
CREATE TEMP TABLE ref_any AS
SELECT m.g, coalesce((SELECT max(n) FROM (
          SELECT (SELECT count(DISTINCT v2.label) FROM evs v2
                  WHERE v2.g = v.g AND v2.label = ANY(m.steps) AND v2.t BETWEEN v.t AND v.t + m.win) AS n
          FROM evs v WHERE v.g = m.g AND v.label = ANY(m.steps)) q), 0) AS level
FROM setmode m;
SELECT is((SELECT count(*) FROM ref_any r LEFT JOIN (
             SELECT e.g, funnel_step(e.ts, m.win * interval '1 second', 'any_order',
                                     VARIADIC (SELECT array_agg(e.label = s ORDER BY i) FROM unnest(m.steps) WITH ORDINALITY u(s, i))) AS level
             FROM ev e JOIN setmode m USING (g) GROUP BY e.g) b USING (g)
           WHERE b.level IS DISTINCT FROM r.level),
          0::bigint, 'funnel_step any_order equals the reference');
SELECT is((SELECT count(*) FROM ref_any r LEFT JOIN (
             SELECT j.g, funnel_step(j.j, m.win * interval '1 second', m.steps, 'any_order') AS level
             FROM (SELECT g, journey_agg(ts, label) AS j FROM ev GROUP BY g) j JOIN setmode m USING (g)) b USING (g)
           WHERE b.level IS DISTINCT FROM r.level),
          0::bigint, 'funnel_step any_order over stored journeys equals the reference');

-- the plain windowFunnel contract is untouched: with no option of journey's own
-- the default walk runs (test/funnel_property.sql holds the full reference)
SELECT is((SELECT count(*) FROM (
             SELECT e.g, funnel_step(e.ts, m.win * interval '1 second', e.label, m.steps) AS a,
                         funnel_step(e.ts, m.win * interval '1 second', e.label, m.steps, 'step_windows={' ||
                                     array_to_string(array_fill('NULL'::text, ARRAY[m.nsteps - 1]), ',') || '}') AS b
             FROM ev e JOIN setmode m USING (g) GROUP BY e.g) q WHERE a IS DISTINCT FROM b),
          0::bigint, 'step windows that are all NULL give windowFunnel''s default answer');

-- funnel(path, as_of): in progress = stopped before the last step with
-- step 1 + window after as_of; conversion from the previous step over the
-- customers whose window has closed
CREATE TEMP TABLE paths AS
SELECT e.g % 7 AS grp, funnel_path(e.ts, interval '2 hours', e.label, '{a,b,c}'::text[]) AS p
FROM ev e GROUP BY e.g;
CREATE TEMP TABLE asof AS
SELECT grp, timestamptz '2026-03-01 00:00+00' + (grp - 1) * interval '1 hour' AS as_of FROM generate_series(0, 6) grp;
SELECT is((SELECT count(*) FROM (
             SELECT a.grp, s.step, s.in_progress, s.conversion_from_previous, s.dropped,
                    (SELECT count(*) FROM paths p WHERE p.grp = a.grp AND steps(p.p) = s.step AND s.step < 3
                       AND reached_at(p.p, 1) + interval '2 hours' > a.as_of) AS ref_progress,
                    (SELECT count(*) FROM paths p WHERE p.grp = a.grp AND steps(p.p) >= s.step) AS ref_reached,
                    (SELECT count(*) FROM paths p WHERE p.grp = a.grp AND (s.step = 1 OR steps(p.p) >= s.step - 1)
                       AND NOT (s.step > 1 AND steps(p.p) = s.step - 1
                                AND reached_at(p.p, 1) + interval '2 hours' > a.as_of)) AS ref_closed
             FROM asof a, LATERAL (SELECT funnel(p.p, a.as_of) AS f FROM paths p WHERE p.grp = a.grp) f,
                  LATERAL funnel_steps(f.f) s) q
           WHERE in_progress <> ref_progress
              OR conversion_from_previous IS DISTINCT FROM (CASE WHEN ref_closed = 0 THEN NULL ELSE ref_reached::float8 / ref_closed END)
              OR dropped <> ref_closed - ref_reached),
          0::bigint, 'funnel(path, as_of): in progress, conversion and drop-off equal plain SQL over the paths');

-- with step windows the path carries them: a customer at step k whose
-- step window to k+1 has closed is no longer in progress
CREATE TEMP TABLE swpaths AS
SELECT e.g % 7 AS grp, funnel_path(e.ts, interval '2 hours', e.label, '{a,b,c}'::text[], 'step_windows={30 minutes,NULL}') AS p
FROM ev e GROUP BY e.g;
SELECT is((SELECT count(*) FROM (
             SELECT a.grp, s.step, s.in_progress,
                    (SELECT count(*) FROM swpaths p WHERE p.grp = a.grp AND steps(p.p) = s.step AND s.step < 3
                       AND reached_at(p.p, 1) + interval '2 hours' > a.as_of
                       AND (s.step <> 1 OR reached_at(p.p, 1) + interval '30 minutes' > a.as_of)) AS ref_progress
             FROM asof a, LATERAL (SELECT funnel(p.p, a.as_of) AS f FROM swpaths p WHERE p.grp = a.grp) f,
                  LATERAL funnel_steps(f.f) s) q
           WHERE in_progress <> ref_progress)
          + (SELECT count(*) FROM swpaths WHERE pg_temp.rt_text('funnel_path', p::text) IS DISTINCT FROM p::text
               OR pg_temp.rt_recv('funnel_path', pg_temp.rt_send('funnel_path', p::text)) IS DISTINCT FROM p::text),
          0::bigint, 'funnel(path, as_of) honours the step windows the paths carry; such paths round-trip');

SELECT is((SELECT count(*) FROM asof a,
             LATERAL (SELECT funnel(p.p, a.as_of) AS f FROM paths p WHERE p.grp = a.grp) f
           WHERE pg_temp.rt_text('funnel', f.f::text) IS DISTINCT FROM f.f::text
              OR pg_temp.rt_recv('funnel', pg_temp.rt_send('funnel', f.f::text)) IS DISTINCT FROM f.f::text),
          0::bigint, 'funnel values with as_of round-trip in text and binary');

SELECT * FROM finish();
ROLLBACK;

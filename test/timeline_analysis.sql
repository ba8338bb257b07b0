-- The analyses over stored journeys against the row aggregates: on
-- thousands of random small event sets (several labels per customer, many
-- equal timestamps, NULL timestamps and labels, amounts with and without
-- decimals, some too long for a 62-bit mantissa), every analysis over
-- journey_agg(ts, label, amount) equals the row aggregate over the same
-- rows with each condition written as `label = ...`: all 24 funnel option
-- combinations (steps that repeat a label included), time_to_first_value
-- in both forms, lifecycle_stage and lifecycle_status at several as_of,
-- active_periods, retention and clv_inputs.  A set whose rows all drop out
-- (or that has none) has a NULL journey, which the functions take as a
-- customer without events: the aggregates' answer for such a customer.
BEGIN;
SELECT plan(18);

SET LOCAL timezone = 'UTC';

-- every valid combination of the five options (allow_reentry needs strict_order)
CREATE TEMP TABLE modes AS
SELECT array_to_string(ARRAY(SELECT o FROM unnest(ARRAY['strict_deduplication','strict_order','strict_increase','strict_once','allow_reentry']) WITH ORDINALITY AS x(o, i)
                             WHERE (b >> (i::int - 1)) & 1 = 1 ORDER BY i), ',') AS mode
FROM generate_series(0, 31) b
WHERE NOT ((b & 16) <> 0 AND (b & 2) = 0);
SELECT is((SELECT count(*) FROM modes), 24::bigint, '24 valid option combinations');

SELECT setseed(0.2718);
-- per set: 1..4 funnel steps drawn from 4 labels (repeats allowed), a window
CREATE TEMP TABLE sets AS
SELECT g, 1 + floor(random() * 4)::int AS nsteps,
       ARRAY[(ARRAY['a','b','c','d'])[1 + floor(random() * 4)::int],
             (ARRAY['a','b','c','d'])[1 + floor(random() * 4)::int],
             (ARRAY['a','b','c','d'])[1 + floor(random() * 4)::int],
             (ARRAY['a','b','c','d'])[1 + floor(random() * 4)::int]] AS steps,
       (ARRAY[interval '1 microsecond', '30 minutes', '1 hour', '2 hours'])[1 + floor(random() * 4)::int] AS win,
       timestamptz '2026-03-01 00:00+00' + floor(random() * 8) * interval '30 minutes' AS start_at
FROM generate_series(1, 2500) g;
UPDATE sets SET steps = steps[1:nsteps];
-- 0..8 rows per set over 12 half hours (many ties), 5 labels, NULLs
CREATE TEMP TABLE rows AS
SELECT s.g,
       CASE WHEN random() < 0.02 THEN NULL
            ELSE timestamptz '2026-03-01 00:00+00' + floor(random() * 12) * interval '30 minutes' END AS ts,
       CASE WHEN random() < 0.04 THEN NULL ELSE (ARRAY['a','b','c','d','e'])[1 + floor(random() * 5)::int] END AS label,
       CASE WHEN random() < 0.2 THEN NULL
            WHEN random() < 0.03 THEN round((random() - 0.3)::numeric * 1e22, 1)
            ELSE round((random() * 200 - 20)::numeric, floor(random() * 3)::int) END AS amount
FROM sets s, LATERAL generate_series(1, floor(random() * 9)::int + (s.g * 0)) r;
CREATE TEMP TABLE journeys AS
SELECT s.g, (SELECT journey_agg(r.ts, r.label, r.amount) FROM rows r WHERE r.g = s.g) AS j FROM sets s;
SELECT cmp_ok((SELECT count(*) FROM journeys WHERE j IS NOT NULL), '>', 2000::bigint, 'most sets have a journey');
SELECT cmp_ok((SELECT count(*) FROM journeys WHERE j IS NULL), '>', 100::bigint, 'some sets have none');

-- funnels: every option combination
CREATE TEMP TABLE f_rows AS
SELECT s.g, m.mode,
       funnel_step(r.ts, s.win, m.mode, VARIADIC (ARRAY[r.label = s.steps[1], r.label = s.steps[2],
                                                        r.label = s.steps[3], r.label = s.steps[4]])[1:s.nsteps]) AS level,
       funnel_path(r.ts, s.win, m.mode, VARIADIC (ARRAY[r.label = s.steps[1], r.label = s.steps[2],
                                                        r.label = s.steps[3], r.label = s.steps[4]])[1:s.nsteps])::text AS path
FROM sets s CROSS JOIN modes m LEFT JOIN rows r ON r.g = s.g
GROUP BY s.g, m.mode;
CREATE TEMP TABLE f_journeys AS
SELECT s.g, m.mode, funnel_step(j.j, s.win, s.steps, m.mode) AS level,
       funnel_path(j.j, s.win, s.steps, m.mode)::text AS path
FROM sets s JOIN journeys j USING (g) CROSS JOIN modes m;
SELECT is((SELECT count(*) FROM f_rows a JOIN f_journeys b USING (g, mode)), 60000::bigint,
          '2500 sets x 24 option combinations');
SELECT is((SELECT count(*) FROM f_rows a JOIN f_journeys b USING (g, mode) WHERE a.level IS DISTINCT FROM b.level),
          0::bigint, 'funnel_step(journey) equals funnel_step over the rows, every mode');
SELECT is((SELECT count(*) FROM f_rows a JOIN f_journeys b USING (g, mode) WHERE a.path IS DISTINCT FROM b.path),
          0::bigint, 'funnel_path(journey) equals funnel_path over the rows, every mode');
SELECT is((SELECT count(*) FROM sets s JOIN journeys j USING (g)
           JOIN f_journeys b ON b.g = s.g AND b.mode = ''
           WHERE funnel_step(j.j, s.win, s.steps) IS DISTINCT FROM b.level
              OR funnel_path(j.j, s.win, s.steps)::text IS DISTINCT FROM b.path),
          0::bigint, 'the forms without mode equal mode ''''');
-- not vacuous: every level occurs, options change answers
SELECT is((SELECT array_agg(DISTINCT level ORDER BY level) FROM f_journeys), ARRAY[0, 1, 2, 3, 4], 'every level occurs');
SELECT cmp_ok((SELECT count(*) FROM f_journeys o JOIN f_journeys d ON d.g = o.g AND d.mode = '' WHERE o.level <> d.level),
              '>', 1000::bigint, 'options change many answers');

-- time to first value, both forms (and a start label that is also the value label)
SELECT is((SELECT count(*) FROM (
             SELECT s.g, time_to_first_value(r.ts, r.label = 'a', r.label = 'b') AS ab,
                    time_to_first_value(r.ts, r.label = 'c', r.label = 'c') AS cc,
                    time_to_first_value(r.ts, s.start_at, r.label = 'd') AS sd
             FROM sets s LEFT JOIN rows r ON r.g = s.g GROUP BY s.g, s.start_at) a
           JOIN sets s USING (g) JOIN journeys j USING (g)
           WHERE a.ab IS DISTINCT FROM time_to_first_value(j.j, 'a', 'b')
              OR a.cc IS DISTINCT FROM time_to_first_value(j.j, 'c', 'c')
              OR a.sd IS DISTINCT FROM time_to_first_value(j.j, s.start_at, 'd')),
          0::bigint, 'time_to_first_value(journey, ...) equals the row forms');
SELECT cmp_ok((SELECT count(*) FROM journeys WHERE time_to_first_value(j, 'a', 'b') IS NOT NULL),
              '>', 400::bigint, 'many sets have a time to first value');

-- lifecycle at several instants: before every event, inside, after
CREATE TEMP TABLE as_ofs AS
SELECT timestamptz '2026-03-01 00:00+00' + k * interval '30 minutes' AS as_of FROM unnest(ARRAY[-1, 3, 6, 9, 14]) k;
CREATE TEMP TABLE lc AS
SELECT s.g, o.as_of,
       lifecycle_stage(r.ts, r.label = 'a', r.label = ANY(ARRAY['b', 'c']), o.as_of, '1 hour', '3 hours') AS stage,
       lifecycle_status(r.ts, r.label = 'a', r.label = ANY(ARRAY['b', 'c']), o.as_of, '1 hour', '3 hours')::text AS status
FROM sets s CROSS JOIN as_ofs o LEFT JOIN rows r ON r.g = s.g GROUP BY s.g, o.as_of;
SELECT is((SELECT count(*) FROM lc JOIN journeys j USING (g)
           WHERE lc.stage IS DISTINCT FROM lifecycle_stage(j.j, ARRAY['a'], ARRAY['b', 'c'], lc.as_of, '1 hour', '3 hours')
              OR lc.status IS DISTINCT FROM lifecycle_status(j.j, ARRAY['a'], ARRAY['b', 'c'], lc.as_of, '1 hour', '3 hours')::text),
          0::bigint, 'lifecycle_stage and lifecycle_status(journey, ...) equal the aggregates at every as_of');
SELECT is((SELECT count(DISTINCT stage) FROM lc), 6::bigint, 'every stage occurs');

-- active periods, retention, clv_inputs
SELECT is((SELECT count(DISTINCT retention(j, 'a', 'b', 'c', 'a')) FROM journeys), 5::bigint, 'retention: every answer occurs');
SELECT is((SELECT count(*) FROM (
             SELECT s.g, active_periods(r.ts, r.label = ANY(ARRAY['a', 'c']), '2026-03-01 01:00+00', '1 hour', 4) AS bits,
                    -- retention reads no timestamp: the rows a journey keeps have one
                    retention(r.ts IS NOT NULL AND r.label = 'a', r.ts IS NOT NULL AND r.label = 'b',
                              r.ts IS NOT NULL AND r.label = 'c', r.ts IS NOT NULL AND r.label = 'a') AS ret
             FROM sets s LEFT JOIN rows r ON r.g = s.g GROUP BY s.g) a
           JOIN journeys j USING (g)
           WHERE a.bits IS DISTINCT FROM active_periods(j.j, ARRAY['a', 'c'], '2026-03-01 01:00+00', '1 hour', 4)
              OR a.ret IS DISTINCT FROM retention(j.j, 'a', 'b', 'c', 'a')),
          0::bigint, 'active_periods and retention(journey, ...) equal the aggregates');
SELECT is((SELECT count(*) FROM (
             SELECT s.g, (clv_inputs(r.ts, r.amount, '2026-03-01 04:00+00', '1 hour') FILTER (WHERE r.label = 'd'))::text AS inputs
             FROM sets s LEFT JOIN rows r ON r.g = s.g GROUP BY s.g) a
           JOIN journeys j USING (g)
           WHERE a.inputs IS DISTINCT FROM clv_inputs(j.j, 'd', '2026-03-01 04:00+00', '1 hour')::text),
          0::bigint, 'clv_inputs(journey, ...) equals the aggregate, amounts exact');
SELECT cmp_ok((SELECT count(*) FROM journeys WHERE (clv_inputs(j, 'd', '2026-03-01 04:00+00', '1 hour')).frequency > 0),
              '>', 100::bigint, 'many sets have repeat purchases');

-- journey_agg(ts, label), without amounts, gives the same answers
SELECT is((SELECT count(*) FROM sets s JOIN journeys j USING (g)
           CROSS JOIN LATERAL (SELECT journey_agg(r.ts, r.label) AS j2 FROM rows r WHERE r.g = s.g) x
           WHERE funnel_step(j.j, s.win, s.steps, 'strict_order') IS DISTINCT FROM funnel_step(x.j2, s.win, s.steps, 'strict_order')
              OR lifecycle_status(j.j, ARRAY['a'], ARRAY['b'], '2026-03-01 03:00+00', '1 hour', '3 hours')::text
                 IS DISTINCT FROM lifecycle_status(x.j2, ARRAY['a'], ARRAY['b'], '2026-03-01 03:00+00', '1 hour', '3 hours')::text
              OR time_to_first_value(j.j, 'a', 'b') IS DISTINCT FROM time_to_first_value(x.j2, 'a', 'b')
              OR retention(j.j, 'a', 'b') IS DISTINCT FROM retention(x.j2, 'a', 'b')
              OR active_periods(j.j, ARRAY['c'], '2026-03-01', '1 hour', 6) IS DISTINCT FROM active_periods(x.j2, ARRAY['c'], '2026-03-01', '1 hour', 6)),
          0::bigint, 'journeys without amounts give the same answers');

SELECT * FROM finish();
ROLLBACK;

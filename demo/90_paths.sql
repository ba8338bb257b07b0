-- Paths: what customers did after activating instead of making the first
-- report (README "Paths: next_event, path trees").
--
-- The bundled events (data/load.sql) have no in-app events between
-- activation and the first report: a customer who activated and made no
-- report has no later event at all.  So this part adds a small onboarding
-- event set, generated here from a fixed seed (the same rows every run):
-- for every activated customer, 0 to 6 in-app events in the hours and
-- days after activating (view_dashboard, import_data, invite_teammate,
-- open_settings, read_docs, contact_support), before the first report
-- for those who made one.
\pset null '-'
SET intervalstyle = postgres;
SET timezone = 'UTC';

SELECT setseed(0.9) \g /dev/null
CREATE TEMP TABLE onboarding_events AS
WITH act AS (
  SELECT e.customer_id, min(e.ts) AS activated_at,
         (SELECT min(r.ts) FROM events r WHERE r.customer_id = e.customer_id AND r.name = 'first_report') AS reported_at
  FROM events e WHERE e.name = 'activate' GROUP BY e.customer_id ORDER BY e.customer_id
), gen AS (
  SELECT a.customer_id, a.activated_at, a.reported_at, g, random() AS u, random() AS v
  FROM act a, generate_series(1, 6) g
)
SELECT customer_id,
       activated_at + g * (interval '5 minutes' + v * interval '20 hours') AS ts,
       CASE WHEN u < 0.30 THEN 'view_dashboard' WHEN u < 0.50 THEN 'import_data'
            WHEN u < 0.65 THEN 'invite_teammate' WHEN u < 0.80 THEN 'open_settings'
            WHEN u < 0.92 THEN 'read_docs' ELSE 'contact_support' END AS name
FROM gen
WHERE g <= 1 + floor(v * 6) - CASE WHEN customer_id % 5 = 0 THEN 1 ELSE 0 END
  AND (reported_at IS NULL OR activated_at + g * (interval '5 minutes' + v * interval '20 hours') < reported_at);
CREATE TEMP TABLE all_events AS
SELECT customer_id, ts, name FROM events UNION ALL SELECT customer_id, ts, name FROM onboarding_events;

\echo
\echo '=== Paths: what customers did after activating instead of making the first report ==='
\echo '(bundled events plus a generated onboarding event set, fixed seed: see the header of demo/90_paths.sql)'
SELECT (SELECT count(*) FROM onboarding_events) AS generated_events,
       (SELECT count(DISTINCT customer_id) FROM onboarding_events) AS customers_with_them;

-- the funnel signup -> activate -> first_report within 7 days; those who
-- stopped at step 2 dropped off after activating
CREATE TEMP TABLE onboarding_funnel AS
SELECT customer_id, funnel_path(ts, '7 days', name = 'signup', name = 'activate', name = 'first_report') AS f
FROM all_events GROUP BY customer_id;
-- their paths from the activation (3 steps, a 3-day gap ends a path)
CREATE TEMP TABLE dropped_paths AS
SELECT e.customer_id,
       path_agg(e.ts, e.name, e.name = 'activate' AND e.ts = reached_at(f.f, 2), 3, '3 days') AS p
FROM all_events e JOIN onboarding_funnel f USING (customer_id)
WHERE steps(f.f) = 2
GROUP BY e.customer_id;

\echo 'Customers who activated but made no first report within 7 days:'
SELECT count(*) AS dropped_after_activating, num_paths(rollup(p)) AS paths FROM dropped_paths;

\echo 'What they did next, step by step (a Sankey chart takes these rows as they are; top 3 labels per step):'
SELECT depth AS step, from_label AS "from", to_label AS "then", customers,
       round(100 * share::numeric, 1) AS "% of from",
       justify_hours(date_trunc('minute', median_gap)) AS median_gap
FROM path_edges((SELECT rollup(p) FROM dropped_paths), 3);

\echo 'Where their paths ended (ended = no further event within 3 days):'
SELECT step, label, customers, round(100 * share::numeric, 1) AS "% of paths", ended
FROM path_nodes((SELECT rollup(p) FROM dropped_paths), 3);

\echo 'The first thing after activating, with next_event: dropped vs reported within 7 days'
SELECT CASE WHEN steps(f.f) >= 3 THEN 'reported within 7 days' ELSE 'dropped after activating' END AS customers,
       coalesce(n.next_after_activate, '(nothing)') AS next_event, count(*) AS n
FROM onboarding_funnel f
JOIN (SELECT customer_id, next_event(ts, name, name = 'activate') AS next_after_activate
      FROM all_events GROUP BY customer_id) n USING (customer_id)
WHERE steps(f.f) >= 2
GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2;

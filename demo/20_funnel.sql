-- Funnels on the bundled data: signup -> activate -> first report ->
-- purchase within 7 days (synthetic SaaS product, 2,000 customers).
\pset null '-'
SET intervalstyle = postgres;
SET timezone = 'UTC';

CREATE TEMP TABLE funnel_paths AS
SELECT customer_id,
       funnel_path(ts, '7 days', name = 'signup', name = 'activate', name = 'first_report', name = 'purchase') AS p
FROM events GROUP BY customer_id;

\echo
\echo '=== Onboarding funnel: signup -> activate -> first_report -> purchase, within 7 days ==='
\echo 'customers = reached at least this step; conversion from step 1 and from the step before;'
\echo 'dropped = lost since the step before; times between steps (median, p90) and from signup.'
SELECT f.step, (ARRAY['signup', 'activate', 'first_report', 'purchase'])[f.step] AS name,
       f.customers, round(100 * f.conversion_from_start::numeric, 1) AS "% of signups",
       round(100 * f.conversion_from_previous::numeric, 1) AS "% of previous", f.dropped,
       justify_hours(date_trunc('minute', f.median_from_previous)) AS median_from_previous,
       justify_hours(date_trunc('minute', f.p90_from_previous)) AS p90_from_previous,
       justify_hours(date_trunc('minute', f.median_from_start)) AS median_from_signup
FROM (SELECT funnel(p) AS fn FROM funnel_paths) t, funnel_steps(t.fn) f;

\echo 'By acquisition channel (GROUP BY around funnel(p)): % of signups reaching each step'
SELECT c.channel, count(*) AS customers,
       round(100 * (SELECT conversion_from_start FROM funnel_steps(funnel(fp.p)) WHERE step = 2)::numeric, 1) AS "activate %",
       round(100 * (SELECT conversion_from_start FROM funnel_steps(funnel(fp.p)) WHERE step = 3)::numeric, 1) AS "first_report %",
       round(100 * (SELECT conversion_from_start FROM funnel_steps(funnel(fp.p)) WHERE step = 4)::numeric, 1) AS "purchase %",
       justify_hours(date_trunc('minute', (SELECT median_from_start FROM funnel_steps(funnel(fp.p)) WHERE step = 4))) AS "median to purchase"
FROM funnel_paths fp JOIN customers c ON c.id = fp.customer_id
GROUP BY c.channel ORDER BY "purchase %" DESC;

\echo 'The same levels with funnel_step (a plain int per customer, ClickHouse windowFunnel):'
SELECT lvl AS steps_reached, count(*) AS customers
FROM (SELECT customer_id,
             funnel_step(ts, '7 days', name = 'signup', name = 'activate', name = 'first_report', name = 'purchase') AS lvl
      FROM events GROUP BY customer_id) s
GROUP BY lvl ORDER BY lvl;

\echo 'Who dropped off after activating (reached step 2, not step 3) - a list for outreach, most recent first:'
SELECT fp.customer_id, c.channel, c.plan, date_trunc('minute', reached_at(fp.p, 1)) AS signed_up,
       date_trunc('minute', reached_at(fp.p, 2)) AS activated, justify_hours(date_trunc('minute', time_between(fp.p, 1, 2))) AS took
FROM funnel_paths fp JOIN customers c ON c.id = fp.customer_id
WHERE steps(fp.p) = 2
ORDER BY reached_at(fp.p, 2) DESC LIMIT 8;

\echo 'Each path and funnel carries its window and mode: purchases within 1 day and within 7 days'
CREATE TEMP TABLE funnel_by_window AS
SELECT w, funnel(p) AS fn
FROM (SELECT customer_id, w,
             funnel_path(ts, w, name = 'signup', name = 'activate', name = 'first_report', name = 'purchase') AS p
      FROM events, (VALUES (interval '1 day'), ('7 days')) v(w) GROUP BY customer_id, w) s
GROUP BY w;
SELECT w AS "window", f.customers AS purchased, round(100 * f.conversion_from_start::numeric, 1) AS "% of signups"
FROM funnel_by_window t, funnel_steps(t.fn) f WHERE f.step = 4 ORDER BY w;
\echo '... and rollup() refuses to add them up:'
DO $$
BEGIN
  PERFORM rollup(fn) FROM funnel_by_window;
EXCEPTION WHEN invalid_parameter_value THEN
  RAISE NOTICE '%', SQLERRM;
END $$;

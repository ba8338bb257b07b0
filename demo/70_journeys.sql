-- Stored journeys: every customer's events as one journey value, then the
-- same funnel and lifecycle count as demo/20_funnel.sql and
-- demo/60_lifecycle.sql, as plain functions over the stored values
-- (README "Stored journeys: the fast path").
\pset null '-'
SET intervalstyle = postgres;
SET timezone = 'UTC';

CREATE TEMP TABLE customer_journeys AS
SELECT customer_id, journey_agg(ts, name) AS j FROM events GROUP BY customer_id;

\echo
\echo '=== Stored journeys: one value per customer ==='
SELECT count(*) AS customers, sum(num_events(j)) AS events,
       pg_size_pretty(sum(pg_column_size(j))) AS stored,
       round(sum(pg_column_size(j))::numeric / sum(num_events(j)), 1) AS bytes_per_event
FROM customer_journeys;

\echo '== Onboarding funnel over the stored journeys: signup -> activate -> first_report -> purchase, within 7 days'
SELECT f.step, (ARRAY['signup', 'activate', 'first_report', 'purchase'])[f.step] AS name,
       f.customers, round(100 * f.conversion_from_start::numeric, 1) AS "% of signups",
       f.dropped, justify_hours(date_trunc('minute', f.median_from_start)) AS median_from_signup
FROM (SELECT funnel(funnel_path(j, '7 days', ARRAY['signup', 'activate', 'first_report', 'purchase'])) AS fn
      FROM customer_journeys) t,
     funnel_steps(t.fn) f;

\echo '== ... the same levels as the row aggregate over the events'
SELECT (SELECT count(*)
        FROM customer_journeys cj
        JOIN (SELECT customer_id, funnel_step(ts, '7 days', name = 'signup', name = 'activate',
                                              name = 'first_report', name = 'purchase') AS level
              FROM events GROUP BY customer_id) r USING (customer_id)
        WHERE r.level <> funnel_step(cj.j, '7 days', ARRAY['signup', 'activate', 'first_report', 'purchase'])) AS customers_differing;

\echo '== Lifecycle stage of every customer as of 2026-04-15, from the stored journeys'
SELECT lifecycle_stage(j, ARRAY['activate'], ARRAY['first_report', 'use'], '2026-04-15', '14 days', '45 days') AS stage,
       count(*) AS customers
FROM customer_journeys GROUP BY 1 ORDER BY 1;

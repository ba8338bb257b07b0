-- Use stage: lifecycle stages, weekly lifecycle (PostHog style), weekly
-- cohort retention (observed periods only) and its on-or-after and bracket
-- modes, and the outreach list a scheduled job would queue.
-- "Use" = a first_report or use event; everything as of 2026-04-15 00:00 UTC.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

\echo
\echo '== Lifecycle stage of every customer as of 2026-04-15 (dormant after 14 days without use, churned after 45)'
SELECT stage, count(*) AS customers,
       round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct
FROM (SELECT customer_id,
             lifecycle_stage(ts, name = 'activate', name IN ('first_report', 'use'),
                             '2026-04-15', '14 days', '45 days') AS stage
      FROM events GROUP BY customer_id) s
GROUP BY stage ORDER BY stage;

\echo '== ... by acquisition channel'
SELECT c.channel,
       count(*) FILTER (WHERE stage = 'prospect') AS prospect,
       count(*) FILTER (WHERE stage = 'activated_unused') AS activated_unused,
       count(*) FILTER (WHERE stage = 'active') AS active,
       count(*) FILTER (WHERE stage = 'resurrected') AS resurrected,
       count(*) FILTER (WHERE stage = 'dormant') AS dormant,
       count(*) FILTER (WHERE stage = 'churned') AS churned
FROM customers c
JOIN (SELECT customer_id,
             lifecycle_stage(ts, name = 'activate', name IN ('first_report', 'use'),
                             '2026-04-15', '14 days', '45 days') AS stage
      FROM events GROUP BY customer_id) s ON s.customer_id = c.id
GROUP BY c.channel ORDER BY c.channel;

\echo '== Weekly lifecycle, as PostHog charts it (dormant negative: a stacked bar per week)'
SELECT l.period_start::date AS week,
       count(*) FILTER (WHERE l.status = 'new') AS new,
       count(*) FILTER (WHERE l.status = 'returning') AS returning,
       count(*) FILTER (WHERE l.status = 'resurrecting') AS resurrecting,
       -count(*) FILTER (WHERE l.status = 'dormant') AS dormant
FROM (SELECT c.id, c.signed_up_at,
             active_periods(e.ts, e.name IN ('first_report', 'use'), '2025-12-29', '1 week', 15) AS weeks
      FROM customers c LEFT JOIN events e ON e.customer_id = c.id
      GROUP BY c.id, c.signed_up_at) a,
     period_lifecycle(a.weeks, a.signed_up_at, '2025-12-29', '1 week') l
GROUP BY 1 ORDER BY 1;

\echo '== Weekly cohort retention as of 2026-04-15: % of each signup week active in week k after their own signup'
\echo '   (active_periods(..., as_of): a week not yet over on 2026-04-15 is not observed, "-", instead of counted as churn;'
\echo '    each share is over the customers of the cohort who completed that week: observed)'
\pset null '-'
SELECT cohort::date AS signup_week, cohort_size(r) AS customers,
       round(100 * retention_share(r, 0)) AS w0, round(100 * retention_share(r, 1)) AS w1,
       round(100 * retention_share(r, 2)) AS w2, round(100 * retention_share(r, 3)) AS w3,
       round(100 * retention_share(r, 4)) AS w4, round(100 * retention_share(r, 5)) AS w5,
       round(100 * retention_share(r, 6)) AS w6, round(100 * retention_share(r, 7)) AS w7
FROM (SELECT date_trunc('week', signed_up_at) AS cohort, retention_agg(weeks, '1 week') AS r
      FROM (SELECT c.id, c.signed_up_at,
                   active_periods(e.ts, e.name IN ('first_report', 'use'), c.signed_up_at, '1 week', 8,
                                  '2026-04-15') AS weeks
            FROM customers c LEFT JOIN events e ON e.customer_id = c.id
            GROUP BY c.id, c.signed_up_at) per_customer
      GROUP BY 1) cohorts
ORDER BY 1;

\echo '== Retention modes as of 2026-04-15, all customers: used on day k after signup, and on day k or later'
\echo '   (Mixpanel''s default: retention_on_or_after); observed = customers whose day k was over by 2026-04-15'
CREATE TEMP TABLE daily AS
SELECT c.id, active_periods(e.ts, e.name IN ('first_report', 'use'), c.signed_up_at, '1 day', 61, '2026-04-15') AS days
FROM customers c LEFT JOIN events e ON e.customer_id = c.id
GROUP BY c.id, c.signed_up_at;
SELECT m.period AS day, m.observed, round((100 * m.share)::numeric, 1) AS on_day_pct,
       round((100 * a.share)::numeric, 1) AS on_or_after_pct
FROM (SELECT retention_agg(days) AS r, retention_agg(retention_on_or_after(days)) AS r_after FROM daily) x,
     retention_matrix(x.r) m JOIN retention_matrix(x.r_after) a USING (period)
WHERE m.period IN (1, 2, 3, 7, 14, 30)
ORDER BY 1;

\echo '== ... and in custom brackets: days 1, 2-3, 4-7, 8-30 (retention_brackets(days, ''{1,2,4,8,31}''))'
SELECT (ARRAY['day 1', 'days 2-3', 'days 4-7', 'days 8-30'])[m.period + 1] AS bracket, m.observed,
       round((100 * m.share)::numeric, 1) AS active_pct
FROM (SELECT retention_agg(retention_brackets(days, '{1,2,4,8,31}')) AS r FROM daily) x, retention_matrix(x.r) m
ORDER BY m.period;
\pset null ''

\echo '== ClickHouse-style retention: signed up, then used in days 1-7, 8-14, 15-30 after signup (all customers)'
SELECT sum(r[1]) AS signed_up, sum(r[2]) AS used_days_1_7, sum(r[3]) AS used_days_8_14, sum(r[4]) AS used_days_15_30
FROM (SELECT retention(e.name = 'signup',
                       e.name = 'use' AND e.ts >= c.signed_up_at + interval '1 day' AND e.ts < c.signed_up_at + interval '8 days',
                       e.name = 'use' AND e.ts >= c.signed_up_at + interval '8 days' AND e.ts < c.signed_up_at + interval '15 days',
                       e.name = 'use' AND e.ts >= c.signed_up_at + interval '15 days' AND e.ts < c.signed_up_at + interval '31 days') AS r
      FROM customers c JOIN events e ON e.customer_id = c.id GROUP BY c.id) t;

\echo '== The outreach list on 2026-04-15: milestones and when each was reached (what outreach_enqueue would queue)'
SELECT milestone, count(*) AS customers, min(reached_at)::date AS earliest, max(reached_at)::date AS latest
FROM (SELECT customer_id, 'activated_unused_3d' AS milestone, (st).activated_at + interval '3 days' AS reached_at
      FROM (SELECT customer_id,
                   lifecycle_status(ts, name = 'activate', name IN ('first_report', 'use'),
                                    '2026-04-15', '14 days', '45 days') AS st
            FROM events GROUP BY customer_id) s
      WHERE (st).stage = 'activated_unused' AND (st).activated_at + interval '3 days' <= '2026-04-15'
      UNION ALL
      SELECT customer_id, (st).stage::text, (st).since
      FROM (SELECT customer_id,
                   lifecycle_status(ts, name = 'activate', name IN ('first_report', 'use'),
                                    '2026-04-15', '14 days', '45 days') AS st
            FROM events GROUP BY customer_id) s
      WHERE (st).stage IN ('dormant', 'churned', 'resurrected')) m
GROUP BY milestone ORDER BY milestone;

-- Experiments and drivers on the bundled synthetic SaaS customers.
\pset null '-'
SET timezone = 'UTC';

\echo
\echo '=== Experiments: a welcome-email A/B split with a 5% holdout (synthetic) ==='
\echo 'The bundled data have no emails: the split below is made after the fact with assign_variant,'
\echo 'so it cannot have caused anything.  Every difference is chance - this is what an A/A test'
\echo 'looks like, and why a p-value of 0.2 is no news.  On real data the arms would get the emails.'
\echo 'Holdout: assign_variant(id::text, ''holdout-2026'', ''{0.95,0.05}'') = 2 gets no email; the others are'
\echo 'split 50/50 by assign_variant(id::text, ''welcome-2026'', ''{0.5,0.5}'') into welcome_a and welcome_b.'
\echo 'The email would go out on day 7.  Conversion: a purchase within 30 days of signup.  Value:'
\echo 'sessions (use events) in days 7-35; pre_value, for CUPED: events of any kind in days 0-7.'
CREATE TEMP TABLE exp_units AS
SELECT c.id,
       CASE WHEN assign_variant(c.id::text, 'holdout-2026', '{0.95,0.05}') = 2 THEN 'holdout'
            WHEN assign_variant(c.id::text, 'welcome-2026', '{0.5,0.5}') = 1 THEN 'welcome_a'
            ELSE 'welcome_b' END AS arm,
       EXISTS (SELECT 1 FROM events e WHERE e.customer_id = c.id AND e.name = 'purchase'
                 AND e.ts < c.signed_up_at + interval '30 days') AS converted,
       (SELECT count(*) FROM events e WHERE e.customer_id = c.id AND e.name = 'use'
          AND e.ts >= c.signed_up_at + interval '7 days' AND e.ts < c.signed_up_at + interval '35 days')::float8 AS sessions,
       (SELECT count(*) FROM events e WHERE e.customer_id = c.id
          AND e.ts < c.signed_up_at + interval '7 days')::float8 AS events_before
FROM customers c;

\echo 'welcome_b against welcome_a (customers who got an email):'
SELECT variant, n, conversions, round(rate::numeric, 4) AS rate, round(lift::numeric, 3) AS lift,
       round(diff_ci_low::numeric, 4) AS diff_ci_low, round(diff_ci_high::numeric, 4) AS diff_ci_high,
       round(p_value::numeric, 3) AS p_value, round(mean_value::numeric, 2) AS sessions,
       round(value_p_value::numeric, 3) AS sessions_p, round(cuped_value_diff::numeric, 3) AS cuped_diff,
       round(cuped_value_p_value::numeric, 3) AS cuped_p
FROM experiment_report((SELECT experiment_agg(arm, converted, sessions, events_before)
                        FROM exp_units WHERE arm <> 'holdout'), 'welcome_a');

\echo 'Emailed against the 5% holdout (the global control group):'
SELECT variant, n, conversions, round(rate::numeric, 4) AS rate, round(lift::numeric, 3) AS lift,
       round(diff_ci_low::numeric, 4) AS diff_ci_low, round(diff_ci_high::numeric, 4) AS diff_ci_high,
       round(p_value::numeric, 3) AS p_value, round(mean_value::numeric, 2) AS sessions,
       round(value_p_value::numeric, 3) AS sessions_p
FROM experiment_report((SELECT experiment_agg(CASE WHEN arm = 'holdout' THEN 'holdout' ELSE 'emailed' END, converted, sessions)
                        FROM exp_units), 'holdout');

\echo 'How many customers per arm a real test needs to detect a 20% relative lift of this conversion'
\echo 'rate (two-sided, alpha 0.05, power 0.8) - far more than the 2,000 customers here:'
SELECT round(avg(converted::int), 4) AS baseline_rate,
       sample_size(avg(converted::int)::float8, 0.2) AS per_arm_for_20pct_lift,
       sample_size(avg(converted::int)::float8, 0.5) AS per_arm_for_50pct_lift
FROM exp_units;

\echo
\echo '=== Conversion drivers: which customers buy within 30 days? ==='
\echo 'A driver is a correlation, not a cause: customers with a feature convert more (odds ratio > 1)'
\echo 'or less often than those without it.  Here purchase requires a first report in the generator,'
\echo 'so first_report_week_1 is a near-certain correlate, not a lever.  An experiment is the causal answer.'
SELECT feature, with_feature, converted_with, without_feature, converted_without,
       round(odds_ratio::numeric, 2) AS odds_ratio, round(odds_ratio_ci_low::numeric, 2) AS ci_low,
       round(odds_ratio_ci_high::numeric, 2) AS ci_high, round(phi::numeric, 3) AS phi,
       to_char(p_value, '9.99EEEE') AS p_value, test
FROM driver_report((
  SELECT driver_agg(u.converted, ARRAY[
           'channel:' || c.channel, 'plan:' || c.plan,
           CASE WHEN EXISTS (SELECT 1 FROM events e WHERE e.customer_id = c.id AND e.name = 'activate'
                               AND e.ts < c.signed_up_at + interval '1 day') THEN 'activated_day_1' END,
           CASE WHEN EXISTS (SELECT 1 FROM events e WHERE e.customer_id = c.id AND e.name = 'first_report'
                               AND e.ts < c.signed_up_at + interval '7 days') THEN 'first_report_week_1' END,
           CASE WHEN u.events_before >= 4 THEN 'active_week_1' END,
           CASE WHEN u.arm = 'welcome_b' THEN 'arm:welcome_b' END])
  FROM customers c JOIN exp_units u USING (id))) d
ORDER BY d.p_value;

\echo
\echo '=== The touchpoint table, live: each row of the playbook with its measured result ==='
\echo 'touchpoints (demo/80_touchpoints.sql) joined to touch_report_rows (did the message lead to'
\echo 'the target action within the window?) and, for the A/B-split welcome email, experiment_report'
\echo '(did variant B beat variant A on that target action, and is the difference more than chance?).'
WITH asks AS (
  SELECT DISTINCT target_action, split_part(evaluation_method, ', ', 1) AS model,
         split_part(evaluation_method, ', ', 2)::interval AS win
  FROM touchpoints),
reports AS (
  SELECT a.*, (SELECT touch_report(o) FROM (
            SELECT touch_outcomes(r.ts, r.touch, r.touch_event, r.action = a.target_action, a.win, r.value, a.model) AS o
            FROM touch_rows r GROUP BY r.customer_id) s) AS report
  FROM asks a),
ab AS (
  -- one unit per emailed customer: its welcome variant, and whether its welcome instance converted
  SELECT experiment_agg(m.touch, EXISTS (
           SELECT 1 FROM events e WHERE e.customer_id = m.customer_id AND e.name = 'first_report'
             AND e.ts >= m.ts AND e.ts <= m.ts + interval '3 days')) AS e
  FROM onboarding_messages m WHERE m.touch LIKE 'welcome_%' AND m.touch_event = 'sent')
SELECT tp.touch, tp.target_action, tp.evaluation_method, tp.owner,
       r.sent, round(r.open_rate::numeric, 3) AS open_rate,
       round(r.conversion_rate::numeric, 3) AS conversion_rate,
       round(x.lift::numeric, 3) AS ab_lift, round(x.p_value::numeric, 3) AS ab_p_value
FROM touchpoints tp
JOIN reports rp ON rp.target_action = tp.target_action
               AND rp.model = split_part(tp.evaluation_method, ', ', 1)
               AND rp.win = split_part(tp.evaluation_method, ', ', 2)::interval
LEFT JOIN LATERAL touch_report_rows(rp.report) r ON r.touch = tp.touch
LEFT JOIN LATERAL experiment_report((SELECT e FROM ab), 'welcome_a') x
       ON x.variant = tp.touch AND tp.touch LIKE 'welcome_%'
ORDER BY tp.touch;

-- Touchpoints: did the onboarding emails work?  Generated, deterministic
-- onboarding emails for the bundled customers (no random(): a hash of the
-- customer id and a salt decides everything, the same on every run and
-- major; the holdout and the A/B split are assign_variant's, as in
-- demo/81_experiments.sql): a welcome email split A/B (welcome_a / welcome_b) 5 minutes after
-- signup, tips on day 2, an upgrade nudge on day 7 for those who have not
-- bought yet; opens and clicks with per-email rates; a 5% holdout that
-- gets no email at all.  The target action is the purchase (valued at the
-- plan's price) or the first report.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';

-- u(id, salt): a uniform number in [0, 1) from the customer id and a salt
CREATE FUNCTION pg_temp.u(id int, salt int) RETURNS float8 LANGUAGE sql IMMUTABLE AS
$$ SELECT ((hashint8(id::bigint * 1000003 + salt) & 2147483647) % 1000000) / 1000000.0 $$;

CREATE TABLE onboarding_messages (customer_id int NOT NULL, ts timestamptz NOT NULL, touch text NOT NULL, touch_event text NOT NULL);
INSERT INTO onboarding_messages
WITH c AS (
  SELECT c.id, c.signed_up_at,
         assign_variant(c.id::text, 'holdout-2026', '{0.95,0.05}') = 2 AS holdout,
         CASE WHEN assign_variant(c.id::text, 'welcome-2026', '{0.5,0.5}') = 1 THEN 'welcome_a' ELSE 'welcome_b' END AS welcome,
         (SELECT min(ts) FROM events e WHERE e.customer_id = c.id AND e.name = 'purchase') AS bought_at
  FROM customers c),
sends AS (
  SELECT id, welcome AS touch, signed_up_at + interval '5 minutes' AS sent_at,
         CASE welcome WHEN 'welcome_a' THEN 0.42 ELSE 0.58 END AS p_open, 0.35 AS p_click, 1 AS k
  FROM c WHERE NOT holdout
  UNION ALL
  SELECT id, 'tips_day2', signed_up_at + interval '2 days', 0.35, 0.25, 2 FROM c WHERE NOT holdout
  UNION ALL
  SELECT id, 'upgrade_day7', signed_up_at + interval '7 days', 0.30, 0.30, 3 FROM c
  WHERE NOT holdout AND (bought_at IS NULL OR bought_at > signed_up_at + interval '7 days'))
SELECT id, sent_at, touch, 'sent' FROM sends
UNION ALL
-- opens: within 12 hours of the send; a fifth of the openers open again
SELECT id, sent_at + pg_temp.u(id, 10 * k + 1) * interval '12 hours', touch, 'opened' FROM sends
WHERE pg_temp.u(id, 10 * k) < p_open
UNION ALL
SELECT id, sent_at + interval '1 day' + pg_temp.u(id, 10 * k + 2) * interval '2 days', touch, 'opened' FROM sends
WHERE pg_temp.u(id, 10 * k) < p_open AND pg_temp.u(id, 10 * k + 3) < 0.2
UNION ALL
-- clicks: some openers, 10 minutes after their open
SELECT id, sent_at + pg_temp.u(id, 10 * k + 1) * interval '12 hours' + interval '10 minutes', touch, 'clicked' FROM sends
WHERE pg_temp.u(id, 10 * k) < p_open AND pg_temp.u(id, 10 * k + 4) < p_click
UNION ALL
-- tracking noise: 1% of the customers have an open of tips_day2 logged before it was sent
SELECT id, signed_up_at + interval '1 day', 'tips_day2', 'opened' FROM c WHERE NOT holdout AND pg_temp.u(id, 99) < 0.01;

-- The rows touch_outcomes reads: the onboarding_messages, and the target actions with their value.
CREATE VIEW touch_rows AS
SELECT customer_id, ts, touch, touch_event, NULL::text AS action, NULL::numeric AS value FROM onboarding_messages
UNION ALL
SELECT e.customer_id, e.ts, NULL, NULL, e.name,
       CASE WHEN e.name = 'purchase' THEN CASE c.plan WHEN 'team' THEN 99.00 WHEN 'pro' THEN 29.00 ELSE 9.00 END END
FROM events e JOIN customers c ON c.id = e.customer_id
WHERE e.name IN ('purchase', 'first_report');

\echo
\echo '== Onboarding emails generated (5% holdout gets none)'
SELECT touch, count(*) FILTER (WHERE touch_event = 'sent') AS sent,
       count(*) FILTER (WHERE touch_event = 'opened') AS open_events,
       count(*) FILTER (WHERE touch_event = 'clicked') AS click_events
FROM onboarding_messages GROUP BY touch ORDER BY touch;

\echo '== Per-touch scorecard: purchases within 7 days of a send (model sent, every send in the window gets the purchase)'
SELECT touch, sent, opened, clicked, converted,
       round(open_rate::numeric, 3) AS open_rate, round(click_rate::numeric, 3) AS click_rate,
       round(conversion_rate::numeric, 3) AS conversion_rate, revenue,
       date_trunc('minute', median_time_to_convert) AS median_time_to_convert,
       date_trunc('minute', p90_time_to_convert) AS p90_time_to_convert, orphans
FROM touch_report_rows((
  SELECT touch_report(o) FROM (
    SELECT touch_outcomes(ts, touch, touch_event, action = 'purchase', '7 days', value) AS o
    FROM touch_rows GROUP BY customer_id) s));

\echo '== The same, counting a purchase only after the email was opened (model opened)'
SELECT touch, sent, opened, converted, round(conversion_rate::numeric, 3) AS conversion_rate,
       round((converted::float8 / nullif(opened, 0))::numeric, 3) AS conversion_per_open, revenue,
       date_trunc('minute', median_time_to_convert) AS median_time_to_convert
FROM touch_report_rows((
  SELECT touch_report(o) FROM (
    SELECT touch_outcomes(ts, touch, touch_event, action = 'purchase', '7 days', value, 'opened') AS o
    FROM touch_rows GROUP BY customer_id) s));

\echo '== ... and with only the latest email before the purchase credited (model last_touch): totals over all customers'
\echo '   (a customer with no rows counts, with nothing; the holdout''s purchases are unattributed)'
SELECT customers, conversions, revenue, unattributed_conversions, unattributed_revenue, model, attribution_window
FROM touch_report_totals((
  SELECT touch_report(o) FROM (
    SELECT touch_outcomes(r.ts, r.touch, r.touch_event, r.action = 'purchase', '7 days', r.value, 'last_touch') AS o
    FROM customers c LEFT JOIN touch_rows r ON r.customer_id = c.id GROUP BY c.id) s));

\echo '== The playbook as a live table: touchpoint | communication | target action | evaluation | owner, with results'
CREATE TABLE touchpoints (touch text PRIMARY KEY, communication text, target_action text, evaluation_method text, owner text);
INSERT INTO touchpoints VALUES
  ('welcome_a',    'welcome email, variant A',     'first_report', 'opened, 3 days',  'lifecycle team'),
  ('welcome_b',    'welcome email, variant B',     'first_report', 'opened, 3 days',  'lifecycle team'),
  ('tips_day2',    'tips email on day 2',          'first_report', 'opened, 3 days',  'product marketing'),
  ('upgrade_day7', 'upgrade nudge on day 7',       'purchase',     'sent, 7 days',    'growth');
-- one report per (target action, model, window) that the table asks for
WITH asks AS (
  SELECT DISTINCT target_action, split_part(evaluation_method, ', ', 1) AS model,
         split_part(evaluation_method, ', ', 2)::interval AS win
  FROM touchpoints),
reports AS (
  SELECT a.target_action, a.model, a.win,
         (SELECT touch_report(o) FROM (
            SELECT touch_outcomes(r.ts, r.touch, r.touch_event, r.action = a.target_action, a.win, r.value, a.model) AS o
            FROM touch_rows r GROUP BY r.customer_id) s) AS report
  FROM asks a)
SELECT tp.touch, tp.communication, tp.target_action, tp.evaluation_method, tp.owner,
       r.sent, round(r.open_rate::numeric, 3) AS open_rate, r.converted,
       round(r.conversion_rate::numeric, 3) AS conversion_rate,
       date_trunc('minute', r.median_time_to_convert) AS median_time_to_convert
FROM touchpoints tp
JOIN reports rp ON rp.target_action = tp.target_action
               AND rp.model = split_part(tp.evaluation_method, ', ', 1)
               AND rp.win = split_part(tp.evaluation_method, ', ', 2)::interval
LEFT JOIN LATERAL touch_report_rows(rp.report) r ON r.touch = tp.touch
ORDER BY tp.touch;

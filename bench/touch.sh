#!/usr/bin/env bash
# Benchmark: touchpoints.  touch_outcomes per customer, and the per-touch
# scorecard touch_report_rows(touch_report(touch_outcomes(...))), over
# generated message events and purchases, against the GROUP BY floor and
# the best plain-SQL query giving the same scorecard under the 'sent' model
# (instances numbered by a running count of sends, their opens and clicks
# grouped, joined to the purchases within the window, percentile_disc for
# the times to convert).
#
#   bash bench/touch.sh             10M events over 1M customers
#   SCALE=0.1 bash bench/touch.sh   1M events over 100k customers
#
# Each query runs 3 times; the best EXPLAIN ANALYZE execution time counts
# (no result transfer to the client).  The script first checks that the
# plain SQL and ours give the same scorecard (counts and revenue exactly,
# median and p90 within the durations sketch's 1%).
# Targets (issue 11): per customer <= 1.5x the floor, >= 3x faster than
# the plain SQL.
set -euo pipefail
. "$(dirname "$0")/../test/lib.sh"
SCALE=${SCALE:-1}
journey_bench_setup 2GB 1GB

customers=$(awk "BEGIN {printf \"%d\", 1000000 * $SCALE}")
journey_log "generating $((customers * 10)) events over $customers customers"
psql -X -q <<SQL
SELECT setseed(0.5);
-- 10 events per customer over 30 days, in random order: about 3 sends,
-- 1.5 opens, 0.5 clicks of 4 touches (some opens without a send: the
-- generator does not pair them), 1.5 purchases with an amount, the rest
-- other activity.
CREATE TABLE events AS
SELECT customer_id, ts,
       CASE WHEN r < 0.5 THEN (ARRAY['welcome', 'tips', 'upgrade', 'winback'])[1 + floor(random() * 4)::int] END AS touch,
       CASE WHEN r < 0.30 THEN 'sent' WHEN r < 0.45 THEN 'opened' WHEN r < 0.50 THEN 'clicked' END AS touch_event,
       CASE WHEN r >= 0.50 AND r < 0.65 THEN 'purchase' WHEN r >= 0.65 THEN 'activity' END AS event,
       CASE WHEN r >= 0.50 AND r < 0.65 THEN round((5 + random() * 95)::numeric, 2) END AS amount
FROM (SELECT c AS customer_id,
             timestamptz '2026-01-01' + (random() * 30 * 86400)::int * interval '1 second' AS ts,
             random() AS r
      FROM generate_series(1, $customers) c, generate_series(1, 10) e) g
ORDER BY random();
VACUUM ANALYZE events;
SQL

floor_q="SELECT customer_id, count(*), max(ts) FROM events GROUP BY customer_id"
# the same GROUP BY reading every column touch_outcomes reads, with built-in aggregates
inputs_q="SELECT customer_id, count(*), max(ts), min(touch), max(touch_event), bool_or(event = 'purchase'), sum(amount) FROM events GROUP BY customer_id"
ours_q="SELECT customer_id, touch_outcomes(ts, touch, touch_event, event = 'purchase', '7 days', amount) FROM events GROUP BY customer_id"
report_q="SELECT * FROM touch_report_rows((SELECT touch_report(o) FROM ($ours_q) s(c, o)))"
# The 'sent' model in plain SQL: instance k of a touch = the k-th send
# (ROWS frame: sends at one time are distinct instances, the opens at that
# time go to the last); opens and clicks with k = 0 are orphans.
plain_q="WITH msg AS (
    SELECT customer_id, touch, touch_event, ts,
           count(*) FILTER (WHERE touch_event = 'sent') OVER (PARTITION BY customer_id, touch
               ORDER BY ts, touch_event <> 'sent' ROWS UNBOUNDED PRECEDING) AS k
    FROM events WHERE touch IS NOT NULL),
inst AS (
    SELECT customer_id, touch, k, min(ts) FILTER (WHERE touch_event = 'sent') AS s,
           bool_or(touch_event <> 'sent') AS opened, bool_or(touch_event = 'clicked') AS clicked,
           count(*) FILTER (WHERE touch_event <> 'sent') AS engagements
    FROM msg GROUP BY customer_id, touch, k),
conv AS (
    SELECT i.touch, i.k, i.customer_id, min(p.ts) - i.s AS ttc, sum(coalesce(p.amount, 0)) AS revenue
    FROM inst i JOIN events p ON p.customer_id = i.customer_id AND p.event = 'purchase'
     AND p.ts >= i.s AND p.ts <= i.s + interval '7 days'
    WHERE i.k > 0
    GROUP BY i.touch, i.k, i.customer_id, i.s),
per_touch AS (
    SELECT touch, count(*) FILTER (WHERE k > 0) AS sent, count(*) FILTER (WHERE k > 0 AND opened) AS opened,
           count(*) FILTER (WHERE k > 0 AND clicked) AS clicked,
           coalesce(sum(engagements) FILTER (WHERE k = 0), 0) AS orphans
    FROM inst GROUP BY touch),
per_touch_conv AS (
    SELECT touch, count(*) AS converted, sum(revenue) AS revenue,
           percentile_disc(0.5) WITHIN GROUP (ORDER BY ttc) AS median_ttc,
           percentile_disc(0.9) WITHIN GROUP (ORDER BY ttc) AS p90_ttc
    FROM conv GROUP BY touch)
SELECT t.touch, t.sent, t.opened, t.clicked, coalesce(c.converted, 0) AS converted,
       t.opened::float8 / nullif(t.sent, 0), t.clicked::float8 / nullif(t.sent, 0),
       coalesce(c.converted, 0)::float8 / nullif(t.sent, 0), coalesce(c.revenue, 0) AS revenue,
       c.median_ttc, c.p90_ttc, t.orphans
FROM per_touch t LEFT JOIN per_touch_conv c USING (touch) ORDER BY t.touch COLLATE \"C\""

differing=$(psql -X -At -c "
WITH ours AS ($report_q), plain AS ($plain_q)
SELECT count(*) FROM ours o FULL JOIN plain p USING (touch)
WHERE (o.sent, o.opened, o.clicked, o.converted, o.revenue, o.orphans)
      IS DISTINCT FROM (p.sent, p.opened, p.clicked, p.converted, p.revenue, p.orphans)
   OR abs(o.median_time_to_convert_seconds - extract(epoch FROM p.median_ttc)) > 0.01 * extract(epoch FROM p.median_ttc)
   OR abs(o.p90_time_to_convert_seconds - extract(epoch FROM p.p90_ttc)) > 0.01 * extract(epoch FROM p.p90_ttc)")
journey_log "touches whose scorecard row differs from the plain SQL: $differing"
[ "$differing" = 0 ] || { journey_log "MISMATCH"; psql -X -c "$report_q" -c "$plain_q"; exit 1; }
psql -X -c "SELECT touch, sent, opened, clicked, converted, round(conversion_rate::numeric, 4) AS conversion_rate, revenue, median_time_to_convert, p90_time_to_convert, orphans FROM ($report_q) r"

floor_ms=$(best_ms "$floor_q")
inputs_ms=$(best_ms "$inputs_q")
ours_ms=$(best_ms "$ours_q")
report_ms=$(best_ms "$report_q")
plain_ms=$(best_ms "$plain_q")

printf '\n%-62s %10s %8s\n' "touchpoints, $((customers * 10)) events / $customers customers" "ms" "ratio"
printf '%-62s %10.0f %8s\n' "floor: GROUP BY customer_id, count(*), max(ts)" "$floor_ms" "1.00"
printf '%-62s %10.0f %8.2f\n' "built-ins over the same inputs: min(touch), bool_or(...), ..." "$inputs_ms" "$(awk "BEGIN {print $inputs_ms / $floor_ms}")"
printf '%-62s %10.0f %8.2f\n' "journey: touch_outcomes(...) per customer" "$ours_ms" "$(awk "BEGIN {print $ours_ms / $floor_ms}")"
printf '%-62s %10.0f %8.2f\n' "journey: touch_report_rows(touch_report(touch_outcomes(...)))" "$report_ms" "$(awk "BEGIN {print $report_ms / $floor_ms}")"
printf '%-62s %10.0f %8.2f\n' "plain SQL: running send count, join to purchases, percentiles" "$plain_ms" "$(awk "BEGIN {print $plain_ms / $floor_ms}")"
printf '%-62s %19.2fx\n' "journey scorecard speed-up over plain SQL" "$(awk "BEGIN {print $plain_ms / $report_ms}")"

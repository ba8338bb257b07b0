#!/usr/bin/env bash
# Benchmark: revenue per cohort (value_periods per customer, cohort_value
# per weekly cohort) against the GROUP BY floor and the same figures in
# plain SQL (sum() FILTER per period per customer, then per cohort), in
# one run.
#
#   bash bench/value.sh            10M orders over 1M customers
#   SCALE=0.02 bash bench/value.sh 200k orders over 20k customers
#
# Each query runs 3 times; the best EXPLAIN ANALYZE execution time counts
# (no result transfer to the client).  The script checks that ours and the
# plain SQL give the same observed, paying, revenue and cumulative revenue
# for every cohort and period before it prints ratios.  Targets (issue 13):
# journey <= 1.5x the floor, >= 2x faster than the plain SQL.
set -euo pipefail
. "$(dirname "$0")/../test/lib.sh"
SCALE=${SCALE:-1}
PERIODS=12
AS_OF="2026-06-01"
journey_bench_setup 2GB 1GB

customers=$(awk "BEGIN {printf \"%d\", 1000000 * $SCALE}")
journey_log "generating $((customers * 10)) orders over $customers customers"
psql -X -q <<SQL
SELECT setseed(0.5);
-- customers sign up over 150 days from 2026-01-01 (so the cohorts of May
-- are incomplete on $AS_OF); 10 orders each over the 120 days after
-- signup, amounts with 2 decimals, 1 in 20 a refund.
CREATE TABLE signups AS
SELECT c AS customer_id, timestamptz '2026-01-01' + (random() * 150 * 86400)::int * interval '1 second' AS signed_up_at
FROM generate_series(1, $customers) c;
CREATE TABLE orders AS
SELECT s.customer_id, s.signed_up_at,
       s.signed_up_at + (random() * 120 * 86400)::int * interval '1 second' AS ts,
       round((CASE WHEN random() < 0.05 THEN -1 ELSE 1 END * random() * 200)::numeric, 2) AS amount
FROM signups s, generate_series(0, 9) e
ORDER BY random();
VACUUM ANALYZE orders;
SQL

floor_q="SELECT customer_id, count(*), max(ts) FROM orders GROUP BY customer_id"
ours_q="SELECT date_trunc('week', signed_up_at) AS cohort, cohort_value(v) AS cv
FROM (SELECT customer_id, signed_up_at,
             value_periods(ts, amount, signed_up_at, '7 days', $PERIODS, '$AS_OF') AS v
      FROM orders GROUP BY customer_id, signed_up_at) c
GROUP BY 1"

# plain SQL: one sum() FILTER per period per customer, then per cohort the
# observed, paying, revenue and cumulative revenue of each period
per_customer="" per_cohort="" cum="0"
for ((k = 0; k < PERIODS; k++)); do
	per_customer+=", coalesce(sum(amount) FILTER (WHERE ts >= signed_up_at + interval '7 days' * $k
	                                           AND ts < signed_up_at + interval '7 days' * $((k + 1))), 0) AS p$k"
	cum+=" + p$k"
	per_cohort+=", count(*) FILTER (WHERE obs > $k) AS o$k, count(*) FILTER (WHERE obs > $k AND p$k > 0) AS y$k,
	             sum(p$k) FILTER (WHERE obs > $k) AS r$k, sum($cum) FILTER (WHERE obs > $k) AS c$k"
done
plain_q="SELECT date_trunc('week', signed_up_at) AS cohort $per_cohort
FROM (SELECT customer_id, signed_up_at,
             least($PERIODS, floor(extract(epoch FROM timestamptz '$AS_OF' - signed_up_at) / 604800)) AS obs
             $per_customer
      FROM orders GROUP BY customer_id, signed_up_at) c
GROUP BY 1"

unpivot=""
for ((k = 0; k < PERIODS; k++)); do
	unpivot+="${unpivot:+, }($k, o$k, y$k, r$k, c$k)"
done
check_q="WITH ours AS (SELECT cohort, m.period, m.observed, m.paying, m.revenue, m.cumulative_per_customer
                    FROM ($ours_q) x, cohort_value_matrix(x.cv) m),
      plain AS (SELECT cohort, u.* FROM ($plain_q) p, LATERAL (VALUES $unpivot) u(period, observed, paying, revenue, cumulative)
                WHERE u.observed > 0),
      plain_pc AS (SELECT cohort, period, observed, paying, revenue, cumulative / observed FROM plain)
SELECT count(*) FROM (((SELECT * FROM ours) EXCEPT (SELECT * FROM plain_pc)) UNION ALL ((SELECT * FROM plain_pc) EXCEPT (SELECT * FROM ours))) d"
differing=$(psql -X -At -c "$check_q")
cohorts=$(psql -X -At -c "SELECT count(*) || ' cohorts, ' || count(*) FILTER (WHERE (SELECT count(*) FROM cohort_value_matrix(cv)) < $PERIODS) || ' incomplete' FROM ($ours_q) x")
journey_log "cohort-periods whose figures differ from the plain SQL: $differing; $cohorts"
[ "$differing" = 0 ] || { journey_log "MISMATCH"; exit 1; }

floor_ms=$(best_ms "$floor_q")
ours_ms=$(best_ms "$ours_q")
plain_ms=$(best_ms "$plain_q")

printf '\n%-66s %10s %8s\n' "revenue per weekly cohort, $((customers * 10)) orders / $customers customers" "ms" "ratio"
printf '%-66s %10.0f %8s\n' "floor: GROUP BY customer_id, count(*), max(ts)" "$floor_ms" "1.00"
printf '%-66s %10.0f %8.2f\n' "journey: value_periods(...) per customer, cohort_value per cohort" "$ours_ms" "$(awk "BEGIN {print $ours_ms / $floor_ms}")"
printf '%-66s %10.0f %8.2f\n' "plain SQL: $PERIODS x sum() FILTER per customer, FILTERs per cohort" "$plain_ms" "$(awk "BEGIN {print $plain_ms / $floor_ms}")"
printf '%-66s %19.2fx\n' "journey speed-up over plain SQL" "$(awk "BEGIN {print $plain_ms / $ours_ms}")"
printf '%-66s %s\n' "cohorts" "$cohorts"

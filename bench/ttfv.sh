#!/usr/bin/env bash
# Benchmark: time_to_first_value per customer and duration_agg quantiles,
# against the GROUP BY floor and the best plain-SQL equivalents, in one run.
#
#   bash bench/ttfv.sh            10M events over 1M customers
#   SCALE=0.1 bash bench/ttfv.sh  1M events over 100k customers
#
# Each query runs 3 times; the best EXPLAIN ANALYZE execution time counts
# (no result transfer to the client).  The script checks that ours and the
# plain SQL give the same answers before it prints the ratios.
set -euo pipefail
. "$(dirname "$0")/../test/lib.sh"
SCALE=${SCALE:-1}
journey_bench_setup 2GB 1GB

customers=$(awk "BEGIN {printf \"%d\", 1000000 * $SCALE}")
journey_log "generating $((customers * 10)) events over $customers customers"
psql -X -q <<SQL
SELECT setseed(0.5);
-- 10 events per customer in random order: one signup, 3 value events
-- (kind 1), the rest other activity; some value events precede the signup
CREATE TABLE events AS
SELECT c AS customer_id,
       timestamptz '2026-01-01' + (random() * 90 * 86400)::int * interval '1 second' AS ts,
       (CASE WHEN e = 0 THEN 0 WHEN e <= 3 THEN 1 ELSE 2 END)::smallint AS kind
FROM generate_series(1, $customers) c, generate_series(0, 9) e
ORDER BY random();
CREATE TABLE waits AS
SELECT (exp(8 + 2 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))) * interval '1 second' AS d
FROM generate_series(1, $customers * 10);
VACUUM ANALYZE events, waits;
SQL

floor_q="SELECT customer_id, count(*), max(ts) FROM events GROUP BY customer_id"
ours_q="SELECT customer_id, time_to_first_value(ts, kind = 0, kind = 1) FROM events GROUP BY customer_id"
plain_q="WITH s AS (SELECT customer_id, min(ts) AS first_start FROM events WHERE kind = 0 GROUP BY customer_id)
SELECT e.customer_id, min(e.ts) FILTER (WHERE e.kind = 1 AND e.ts >= s.first_start) - s.first_start
FROM events e LEFT JOIN s USING (customer_id) GROUP BY e.customer_id, s.first_start"

differing=$(psql -X -At -c "SELECT count(*) FROM (($ours_q) EXCEPT (SELECT customer_id, justify_hours(\"?column?\") FROM ($plain_q) p)) d")
reached=$(psql -X -At -c "SELECT count(*) FILTER (WHERE t IS NOT NULL) || ' of ' || count(*) FROM ($ours_q) x(c, t)")
journey_log "customers whose answer differs from the plain SQL: $differing; customers with a first value: $reached"
[ "$differing" = 0 ] || { journey_log "MISMATCH"; exit 1; }

floor_ms=$(best_ms "$floor_q")
ours_ms=$(best_ms "$ours_q")
plain_ms=$(best_ms "$plain_q")

dur_ours_q="SELECT quantile(duration_agg(d), 0.5) FROM waits"
dur_plain_q="SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d) FROM waits"
dur_ours_ms=$(best_ms "$dur_ours_q")
dur_plain_ms=$(best_ms "$dur_plain_q")
dur_error=$(psql -X -At <<'SQL'
SELECT string_agg(format('p%s %s%%', q * 100, round((100 * abs(extract(epoch FROM o) / extract(epoch FROM e) - 1))::numeric, 3)), ', ' ORDER BY q)
FROM (SELECT duration_agg(d) s FROM waits) a,
     LATERAL unnest(ARRAY[0.5, 0.9, 0.99]::float8[]) q,
     LATERAL (SELECT quantile(a.s, q) AS o, (SELECT percentile_disc(q) WITHIN GROUP (ORDER BY d) FROM waits) AS e) x
SQL
)

printf '\n%-58s %10s %8s\n' "time_to_first_value, $((customers * 10)) events / $customers customers" "ms" "ratio"
printf '%-58s %10.0f %8s\n' "floor: GROUP BY customer_id, count(*), max(ts)" "$floor_ms" "1.00"
printf '%-58s %10.0f %8.2f\n' "journey: time_to_first_value(ts, kind = 0, kind = 1)" "$ours_ms" "$(awk "BEGIN {print $ours_ms / $floor_ms}")"
printf '%-58s %10.0f %8.2f\n' "plain SQL: min() CTE joined back to events" "$plain_ms" "$(awk "BEGIN {print $plain_ms / $floor_ms}")"
printf '%-58s %19.2fx\n' "journey speed-up over plain SQL" "$(awk "BEGIN {print $plain_ms / $ours_ms}")"
printf '\n%-58s %10s %8s\n' "median of $((customers * 10)) intervals" "ms" "ratio"
printf '%-58s %10.0f %8s\n' "percentile_cont(0.5) WITHIN GROUP (ORDER BY d)" "$dur_plain_ms" "1.00"
printf '%-58s %10.0f %8.2f\n' "journey: quantile(duration_agg(d), 0.5)" "$dur_ours_ms" "$(awk "BEGIN {print $dur_ours_ms / $dur_plain_ms}")"
printf '%-58s %19.2fx\n' "journey speed-up" "$(awk "BEGIN {print $dur_plain_ms / $dur_ours_ms}")"
printf '%-58s %s\n' "measured relative error vs percentile_disc" "$dur_error"

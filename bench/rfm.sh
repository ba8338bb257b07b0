#!/usr/bin/env bash
# Benchmark: RFM scores of 1M customers in one pass, rfm_score(...) OVER (),
# against the usual plain-SQL query with three NTILE(5) windows and the
# exact plain-SQL equivalent of our formula (three rank() windows); then
# building an rfm_model of the same customers and scoring them with it;
# and the same with a scale per dimension (bins ARRAY[5,3,4]) against
# three NTILE windows of 5, 3 and 4 tiles.
#
#   bash bench/rfm.sh             1M customers
#   SCALE=0.1 bash bench/rfm.sh   100k customers
#
# Each query runs 3 times; the best EXPLAIN ANALYZE execution time counts
# (no result transfer to the client).  The script checks that our scores
# equal the rank() formula for every customer before it prints the ratios.
set -euo pipefail
. "$(dirname "$0")/../test/lib.sh"
SCALE=${SCALE:-1}
journey_bench_setup 1GB 512MB

customers=$(awk "BEGIN {printf \"%d\", 1000000 * $SCALE}")
journey_log "generating $customers customers"
psql -X -q >/dev/null <<SQL
SELECT setseed(0.5);
-- last purchase to the second over two years, invoices 1..~40 (many
-- ties), revenue = invoices x a log-normal basket, to the cent
CREATE TABLE customers AS
SELECT id, timestamptz '2024-01-01' + (random() * 730 * 86400)::int * interval '1 second' AS last_purchase,
       invoices,
       round((invoices * exp(3.5 + 0.8 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())))::numeric, 2) AS revenue
FROM (SELECT id, (1 + floor(-ln(1 - random()) * 3))::bigint AS invoices
      FROM generate_series(1, $customers) id) c;
VACUUM ANALYZE customers;
SQL

floor_q="SELECT id, last_purchase, invoices, revenue FROM customers"
ours_q="SELECT id, rfm_score(last_purchase, invoices, revenue) OVER () FROM customers"
ntile_q="SELECT id, ntile(5) OVER (ORDER BY last_purchase) AS r, ntile(5) OVER (ORDER BY invoices) AS f,
       ntile(5) OVER (ORDER BY revenue) AS m FROM customers"
rank_q="SELECT id, least(5, 1 + 5 * (rank() OVER (ORDER BY last_purchase) - 1) / count(*) OVER ()) AS r,
       least(5, 1 + 5 * (rank() OVER (ORDER BY invoices) - 1) / count(*) OVER ()) AS f,
       least(5, 1 + 5 * (rank() OVER (ORDER BY revenue) - 1) / count(*) OVER ()) AS m FROM customers"
scales_q="SELECT id, rfm_score(last_purchase, invoices, revenue, ARRAY[5, 3, 4]) OVER () FROM customers"
ntile_scales_q="SELECT id, ntile(5) OVER (ORDER BY last_purchase) AS r, ntile(3) OVER (ORDER BY invoices) AS f,
       ntile(4) OVER (ORDER BY revenue) AS m FROM customers"
rank_scales_q="SELECT id, least(5, 1 + 5 * (rank() OVER (ORDER BY last_purchase) - 1) / count(*) OVER ()) AS r,
       least(3, 1 + 3 * (rank() OVER (ORDER BY invoices) - 1) / count(*) OVER ()) AS f,
       least(4, 1 + 4 * (rank() OVER (ORDER BY revenue) - 1) / count(*) OVER ()) AS m FROM customers"
model_q="SELECT rfm_model(last_purchase, invoices, revenue) FROM customers"
score_q="SELECT id, rfm_score((SELECT model FROM bench_model), last_purchase, invoices, revenue) FROM customers"

psql -X -q -c "CREATE TABLE bench_model AS SELECT rfm_model(last_purchase, invoices, revenue) AS model FROM customers"
differing=$(psql -X -At -c "SELECT count(*) FROM ($ours_q) o JOIN ($rank_q) p USING (id)
                            WHERE o.rfm_score <> rfm(p.r::int, p.f::int, p.m::int)")
ntile_differ=$(psql -X -At -c "SELECT count(*) FROM ($ours_q) o JOIN ($ntile_q) p USING (id)
                               WHERE o.rfm_score <> rfm(p.r, p.f, p.m)")
model_differ=$(psql -X -At -c "SELECT count(*) FROM ($ours_q) o JOIN ($score_q) p USING (id)
                               WHERE o.rfm_score <> p.rfm_score")
model_info=$(psql -X -At -c "SELECT rfm_is_exact(model) || ', ' || pg_column_size(model) || ' bytes stored, '
                             || length(model::text) || ' bytes as text' FROM bench_model")
journey_log "customers whose rfm_score differs from the rank() formula: $differing (must be 0)"
journey_log "customers whose rfm_score differs from three NTILE(5): $ntile_differ (ties split by NTILE)"
journey_log "model: exact = $model_info; customers scored differently by the model: $model_differ"
scales_differing=$(psql -X -At -c "SELECT count(*) FROM ($scales_q) o JOIN ($rank_scales_q) p USING (id)
                                   WHERE o.rfm_score <> rfm(p.r::int, p.f::int, p.m::int, ARRAY[5, 3, 4])")
journey_log "customers whose rfm_score(..., ARRAY[5,3,4]) differs from the rank() formula per dimension: $scales_differing (must be 0)"
[ "$differing" = 0 ] || { journey_log "MISMATCH"; exit 1; }
[ "$scales_differing" = 0 ] || { journey_log "MISMATCH (scales)"; exit 1; }

floor_ms=$(best_ms "$floor_q")
ours_ms=$(best_ms "$ours_q")
ntile_ms=$(best_ms "$ntile_q")
rank_ms=$(best_ms "$rank_q")
model_ms=$(best_ms "$model_q")
score_ms=$(best_ms "$score_q")
scales_ms=$(best_ms "$scales_q")
ntile_scales_ms=$(best_ms "$ntile_scales_q")

ratio() { awk "BEGIN {printf \"%.2f\", $1 / $2}"; }
printf '\n%-62s %10s %8s\n' "RFM scores of $customers customers" "ms" "vs NTILE"
printf '%-62s %10.0f %8s\n' "floor: read the customers" "$floor_ms" "$(ratio "$floor_ms" "$ntile_ms")"
printf '%-62s %10.0f %8s\n' "plain SQL: three NTILE(5) windows (ties split)" "$ntile_ms" "1.00"
printf '%-62s %10.0f %8s\n' "plain SQL: three rank() windows, our formula (exact)" "$rank_ms" "$(ratio "$rank_ms" "$ntile_ms")"
printf '%-62s %10.0f %8s\n' "journey: rfm_score(...) OVER ()" "$ours_ms" "$(ratio "$ours_ms" "$ntile_ms")"
printf '%-62s %19sx\n' "journey speed-up over three NTILE(5)" "$(ratio "$ntile_ms" "$ours_ms")"
printf '%-62s %10.0f %8s\n' "journey: rfm_model(...) over all customers" "$model_ms" "$(ratio "$model_ms" "$ntile_ms")"
printf '%-62s %10.0f %8s\n' "journey: rfm_score(model, ...) for every customer" "$score_ms" "$(ratio "$score_ms" "$ntile_ms")"
printf '%-62s %10.0f %8s\n' "journey: model + scoring" "$(awk "BEGIN {print $model_ms + $score_ms}")" "$(ratio "($model_ms + $score_ms)" "$ntile_ms")"
printf '\n%-62s %10s %8s\n' "A scale per dimension (5, 3, 4), $customers customers" "ms" "vs NTILE"
printf '%-62s %10.0f %8s\n' "plain SQL: ntile(5), ntile(3), ntile(4) windows" "$ntile_scales_ms" "1.00"
printf '%-62s %10.0f %8s\n' "journey: rfm_score(..., ARRAY[5, 3, 4]) OVER ()" "$scales_ms" "$(ratio "$scales_ms" "$ntile_scales_ms")"
printf '%-62s %19sx\n' "journey speed-up over three NTILE windows (per-dimension bins)" "$(ratio "$ntile_scales_ms" "$scales_ms")"

# Memory: the peak resident memory (VmHWM) of a fresh backend running each
# window over all customers with the same columns carried, so that the
# difference is what the window function itself keeps.  work_mem = 2GB
# keeps the partition in memory, as a large work_mem would in production.
peak_kb() {
	psql -X -q -At <<SQL
SET work_mem = '2GB';
SET max_parallel_workers_per_gather = 0;
SELECT pg_backend_pid() AS pid \gset
\o /dev/null
SELECT count(*) FROM (SELECT $1 OVER () AS x, last_purchase, invoices, revenue FROM customers) s
WHERE x IS NOT NULL AND last_purchase IS NOT NULL AND invoices IS NOT NULL AND revenue IS NOT NULL;
\o
\setenv P :pid
\! sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/\$P/status
SQL
}
ntile_kb=$(peak_kb "ntile(5)")
ours_kb=$(peak_kb "rfm_score(last_purchase, invoices, revenue)")
printf '\n%-62s %10s %8s\n' "Peak backend memory (VmHWM), $customers customers" "MB" "B/row"
printf '%-62s %10.0f %8s\n' "ntile(5) OVER ()" "$((ntile_kb / 1024))" "-"
printf '%-62s %10.0f %8.1f\n' "journey: rfm_score(...) OVER (), above ntile" "$(((ours_kb - ntile_kb) / 1024))" \
	"$(awk "BEGIN {print ($ours_kb - $ntile_kb) * 1024 / $customers}")"

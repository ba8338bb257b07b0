#!/usr/bin/env bash
# Benchmark: funnel_step (ClickHouse windowFunnel) per customer, 4 steps,
# 7-day window, against the GROUP BY floor and the best plain-SQL query
# with the same default-mode levels; then funnel_path + funnel over the
# same data, and a 50-step funnel.
#
#   bash bench/funnel.sh             10M events over 1M customers
#   SCALE=0.1 bash bench/funnel.sh   1M events over 100k customers
#
# Each query runs 3 times; the best EXPLAIN ANALYZE execution time counts
# (no result transfer to the client).  The script checks that funnel_step
# and the plain SQL give the same level for every customer first.
set -euo pipefail
. "$(dirname "$0")/../test/lib.sh"
SCALE=${SCALE:-1}
JOURNEY_PGCONF="shared_buffers = '2GB'
work_mem = '1GB'
max_parallel_workers_per_gather = 2
jit = off" journey_setup
export PGDATABASE=postgres
psql -X -q -c 'CREATE EXTENSION IF NOT EXISTS journey'

customers=$(awk "BEGIN {printf \"%d\", 1000000 * $SCALE}")
journey_log "generating $((customers * 10)) events over $customers customers"
psql -X -q <<SQL
SELECT setseed(0.5);
-- 10 events per customer over 30 days, in random order; kind 0..3 are the
-- funnel steps (signup, activate, report, purchase), 4 is other activity
CREATE TABLE events AS
SELECT c AS customer_id,
       timestamptz '2026-01-01' + (random() * 30 * 86400)::int * interval '1 second' AS ts,
       (CASE WHEN r < 0.15 THEN 0 WHEN r < 0.35 THEN 1 WHEN r < 0.5 THEN 2 WHEN r < 0.6 THEN 3 ELSE 4 END)::smallint AS kind
FROM (SELECT c, random() AS r FROM generate_series(1, $customers) c, generate_series(1, 10) e) g
ORDER BY random();
VACUUM ANALYZE events;
SQL

best_ms() {
	local q=$1 best= t i
	for i in 1 2 3; do
		t=$(psql -X -At -c "EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF) $q" | sed -n 's/^Execution Time: \([0-9.]*\) ms$/\1/p')
		if [ -z "$best" ] || awk "BEGIN {exit !($t < $best)}"; then best=$t; fi
	done
	echo "$best"
}

floor_q="SELECT customer_id, count(*), max(ts) FROM events GROUP BY customer_id"
ours_q="SELECT customer_id, funnel_step(ts, '7 days', kind = 0, kind = 1, kind = 2, kind = 3) FROM events GROUP BY customer_id"
# Default mode, one event per row: level k is reached iff some step-1 event
# starts a chain whose steps take, each, the earliest matching event at or
# after the previous step and at most 7 days after step 1.
plain_q="WITH s1 AS (SELECT customer_id, ts AS t1 FROM events WHERE kind = 0),
s2 AS (SELECT s1.customer_id, s1.t1, min(e.ts) AS t2 FROM s1 JOIN events e
         ON e.customer_id = s1.customer_id AND e.kind = 1 AND e.ts >= s1.t1 AND e.ts <= s1.t1 + interval '7 days'
       GROUP BY 1, 2),
s3 AS (SELECT s2.customer_id, s2.t1, min(e.ts) AS t3 FROM s2 JOIN events e
         ON e.customer_id = s2.customer_id AND e.kind = 2 AND e.ts >= s2.t2 AND e.ts <= s2.t1 + interval '7 days'
       GROUP BY 1, 2),
s4 AS (SELECT DISTINCT s3.customer_id FROM s3 JOIN events e
         ON e.customer_id = s3.customer_id AND e.kind = 3 AND e.ts >= s3.t3 AND e.ts <= s3.t1 + interval '7 days'),
levels AS (SELECT customer_id, max(l) AS l FROM (
             SELECT customer_id, 1 AS l FROM s1 UNION ALL SELECT customer_id, 2 FROM s2
             UNION ALL SELECT customer_id, 3 FROM s3 UNION ALL SELECT customer_id, 4 FROM s4) x GROUP BY customer_id)
SELECT a.customer_id, coalesce(levels.l, 0) AS l
FROM (SELECT DISTINCT customer_id FROM events) a LEFT JOIN levels USING (customer_id)"
path_q="SELECT funnel(p) FROM (SELECT customer_id, funnel_path(ts, '7 days', kind = 0, kind = 1, kind = 2, kind = 3) AS p
        FROM events GROUP BY customer_id) s"
steps50=$(seq 0 49 | awk '{printf "%skind = %d", (NR > 1 ? ", " : ""), $1 % 5}')
ours50_q="SELECT customer_id, funnel_step(ts, '7 days', $steps50) FROM events GROUP BY customer_id"

differing=$(psql -X -At -c "SELECT count(*) FROM (($ours_q) EXCEPT ($plain_q)) d")
histogram=$(psql -X -At -c "SELECT string_agg(l || ': ' || n, ', ' ORDER BY l) FROM (SELECT l, count(*) n FROM ($ours_q) x(c, l) GROUP BY l) h")
journey_log "customers whose level differs from the plain SQL: $differing; levels: $histogram"
[ "$differing" = 0 ] || { journey_log "MISMATCH"; exit 1; }

floor_ms=$(best_ms "$floor_q")
ours_ms=$(best_ms "$ours_q")
plain_ms=$(best_ms "$plain_q")
path_ms=$(best_ms "$path_q")
ours50_ms=$(best_ms "$ours50_q")

ratio() { awk "BEGIN {printf \"%.2f\", $1 / $2}"; }
printf '\n%-66s %10s %8s\n' "4-step funnel, 7 days, $((customers * 10)) events / $customers customers" "ms" "ratio"
printf '%-66s %10.0f %8s\n' "floor: GROUP BY customer_id, count(*), max(ts)" "$floor_ms" "1.00"
printf '%-66s %10.0f %8s\n' "journey: funnel_step(ts, '7 days', kind = 0, ..., kind = 3)" "$ours_ms" "$(ratio "$ours_ms" "$floor_ms")"
printf '%-66s %10.0f %8s\n' "plain SQL: greedy earliest-step self-joins (same levels)" "$plain_ms" "$(ratio "$plain_ms" "$floor_ms")"
printf '%-66s %10.0f %8s\n' "journey: funnel(funnel_path(...)) per customer, rolled up" "$path_ms" "$(ratio "$path_ms" "$floor_ms")"
printf '%-66s %10.0f %8s\n' "journey: funnel_step with 50 steps" "$ours50_ms" "$(ratio "$ours50_ms" "$floor_ms")"
printf '%-66s %19sx\n' "funnel_step speed-up over plain SQL" "$(ratio "$plain_ms" "$ours_ms")"

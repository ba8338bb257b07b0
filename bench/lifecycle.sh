#!/usr/bin/env bash
# Benchmark: lifecycle_stage per customer against the GROUP BY floor and a
# plain-SQL CASE query giving the same stages, in one run.
#
#   bash bench/lifecycle.sh            10M events over 1M customers
#   SCALE=0.1 bash bench/lifecycle.sh  1M events over 100k customers
#
# Each query runs 3 times; the best EXPLAIN ANALYZE execution time counts
# (no result transfer to the client).  The script checks that ours and the
# plain SQL give the same stage for every customer before it prints ratios.
set -euo pipefail
. "$(dirname "$0")/../test/lib.sh"
SCALE=${SCALE:-1}
journey_bench_setup 2GB 1GB

customers=$(awk "BEGIN {printf \"%d\", 1000000 * $SCALE}")
journey_log "generating $((customers * 10)) events over $customers customers"
psql -X -q <<SQL
SELECT setseed(0.5);
-- 10 events per customer in random order over the customer's own tenure
-- (1 to 90 days from 2026-01-01): one activation (kind 0) for 9 customers
-- in 10, five uses (kind 1) for 6 in 7, the rest other activity (kind 2).
CREATE TABLE events AS
SELECT c AS customer_id,
       timestamptz '2026-01-01' + (random() * (c % 90 + 1) * 86400)::int * interval '1 second' AS ts,
       (CASE WHEN e = 0 AND c % 10 <> 0 THEN 0 WHEN e BETWEEN 1 AND 5 AND c % 7 <> 0 THEN 1 ELSE 2 END)::smallint AS kind
FROM generate_series(1, $customers) c, generate_series(0, 9) e
ORDER BY random();
VACUUM ANALYZE events;
SQL

floor_q="SELECT customer_id, count(*), max(ts) FROM events GROUP BY customer_id"
ours_q="SELECT customer_id, lifecycle_stage(ts, kind = 0, kind = 1, '2026-03-15', '14 days', '45 days') FROM events GROUP BY customer_id"
plain_q="WITH a AS (SELECT customer_id, min(ts) FILTER (WHERE kind = 0 AND ts <= '2026-03-15') AS act
           FROM events GROUP BY customer_id)
SELECT e.customer_id,
       (CASE WHEN a.act IS NULL THEN 'prospect'
             WHEN max(e.ts) FILTER (WHERE u) IS NULL THEN 'activated_unused'
             WHEN max(e.ts) FILTER (WHERE u) > '2026-03-01' THEN
                  CASE WHEN min(e.ts) FILTER (WHERE u AND e.ts > '2026-03-01')
                            - max(e.ts) FILTER (WHERE u AND e.ts <= '2026-03-01') > interval '14 days'
                       THEN 'resurrected' ELSE 'active' END
             WHEN max(e.ts) FILTER (WHERE u) > '2026-01-29' THEN 'dormant'
             ELSE 'churned' END)::lifecycle_stage
FROM events e JOIN a USING (customer_id),
     LATERAL (SELECT e.kind = 1 AND e.ts >= a.act AND e.ts <= '2026-03-15' AS u) l
GROUP BY e.customer_id, a.act"

differing=$(psql -X -At -c "SELECT count(*) FROM ((($ours_q) EXCEPT ($plain_q)) UNION ALL (($plain_q) EXCEPT ($ours_q))) d")
stages=$(psql -X -At -c "SELECT string_agg(s || ' ' || n, ', ' ORDER BY s) FROM (SELECT s, count(*) n FROM ($ours_q) x(c, s) GROUP BY s) y")
journey_log "customers whose stage differs from the plain SQL: $differing; stages: $stages"
[ "$differing" = 0 ] || { journey_log "MISMATCH"; exit 1; }

floor_ms=$(best_ms "$floor_q")
ours_ms=$(best_ms "$ours_q")
plain_ms=$(best_ms "$plain_q")

printf '\n%-62s %10s %8s\n' "lifecycle_stage, $((customers * 10)) events / $customers customers" "ms" "ratio"
printf '%-62s %10.0f %8s\n' "floor: GROUP BY customer_id, count(*), max(ts)" "$floor_ms" "1.00"
printf '%-62s %10.0f %8.2f\n' "journey: lifecycle_stage(ts, kind = 0, kind = 1, ...)" "$ours_ms" "$(awk "BEGIN {print $ours_ms / $floor_ms}")"
printf '%-62s %10.0f %8.2f\n' "plain SQL: activation CTE joined back, CASE over FILTERs" "$plain_ms" "$(awk "BEGIN {print $plain_ms / $floor_ms}")"
printf '%-62s %19.2fx\n' "journey speed-up over plain SQL" "$(awk "BEGIN {print $plain_ms / $ours_ms}")"
printf '%-62s %s\n' "stages" "$stages"

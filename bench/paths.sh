#!/usr/bin/env bash
# Benchmark: path trees.  path_agg per customer + rollup into one Sankey
# tree, against the GROUP BY floor (target: at most 1.5x) and against the
# plain-SQL equivalent with window functions (lag, row_number, lead and
# percentile_disc: target at least 3x slower than ours); the same tree
# from stored journeys; the size of the values.
#
#   bash bench/paths.sh              10M events over 1M customers
#   SCALE=0.02 bash bench/paths.sh   200k events over 20k customers
#
# Each query runs 3 times; the best EXPLAIN ANALYZE execution time counts
# (no result transfer to the client).  PostgreSQL may use 2 parallel
# workers per query.  The script checks that the tree's edges equal the
# plain SQL's (customers exact, median gap within the sketch's 1%)
# before it prints the ratios.
set -euo pipefail
. "$(dirname "$0")/../test/lib.sh"
SCALE=${SCALE:-1}
journey_bench_setup 2GB 1GB

customers=$(awk "BEGIN {printf \"%d\", 1000000 * $SCALE}")
journey_log "generating $((customers * 10)) events over $customers customers"
psql -X -q <<SQL
SELECT setseed(0.5);
-- 10 events per customer over 30 days at second resolution, in random
-- order; 8 labels, one of them the start ('activate') about once per customer
CREATE TABLE events AS
SELECT c AS customer_id,
       timestamptz '2026-01-01' + (random() * 30 * 86400)::int * interval '1 second' AS ts,
       l.label
FROM (SELECT c, random() AS r FROM generate_series(1, $customers) c, generate_series(1, 10) e) g,
     LATERAL (SELECT CASE WHEN r < 0.25 THEN 'view' WHEN r < 0.40 THEN 'click' WHEN r < 0.50 THEN 'search'
                          WHEN r < 0.60 THEN 'report' WHEN r < 0.70 THEN 'invite' WHEN r < 0.80 THEN 'settings'
                          WHEN r < 0.90 THEN 'activate' ELSE 'purchase' END AS label) l
ORDER BY random();
VACUUM ANALYZE events;
CREATE TABLE customer_journeys AS SELECT customer_id, journey_agg(ts, label) AS j FROM events GROUP BY customer_id;
VACUUM ANALYZE customer_journeys;
SQL

floor_q="SELECT customer_id, count(*), max(ts) FROM events GROUP BY customer_id"
per_customer_q="SELECT customer_id, path_agg(ts, label, label = 'activate', 5) FROM events GROUP BY customer_id"
ours_q="SELECT rollup(p) FROM (SELECT path_agg(ts, label, label = 'activate', 5) AS p FROM events GROUP BY customer_id) s"
journeys_q="SELECT rollup(path_agg(j, 'activate', 5)) FROM customer_journeys"
# the plain-SQL equivalent: journey order (ts, label in byte order), the
# path from the first 'activate' with repeats folded, its first 5 steps,
# then the Sankey rows
plain_q="WITH o AS (
  SELECT customer_id, ts, label, lag(label) OVER w AS prev,
         count(*) FILTER (WHERE label = 'activate') OVER (w ROWS UNBOUNDED PRECEDING) AS started
  FROM events WINDOW w AS (PARTITION BY customer_id ORDER BY ts, label COLLATE \"C\")
), s AS (
  SELECT customer_id, ts, label, row_number() OVER (PARTITION BY customer_id ORDER BY ts, label COLLATE \"C\") AS step
  FROM o WHERE started > 0 AND prev IS DISTINCT FROM label
), e AS (
  SELECT step AS depth, label AS from_label, lead(label) OVER w AS to_label, lead(ts) OVER w - ts AS gap
  FROM s WHERE step <= 5 WINDOW w AS (PARTITION BY customer_id ORDER BY step)
)
SELECT depth, from_label, to_label, count(*) AS customers, percentile_disc(0.5) WITHIN GROUP (ORDER BY gap) AS median_gap
FROM e WHERE to_label IS NOT NULL GROUP BY 1, 2, 3"

read -r n_plain n_equal <<<"$(psql -X -At -F ' ' -c "
	SELECT count(*), count(*) FILTER (WHERE o.customers = p.customers
	        AND abs(o.median_gap_seconds - extract(epoch FROM p.median_gap)) <= 0.01 * extract(epoch FROM p.median_gap))
	FROM ($plain_q) p LEFT JOIN path_edges(($ours_q), 100) o USING (depth, from_label, to_label)")"
n_ours=$(psql -X -At -c "SELECT count(*) FROM path_edges(($ours_q), 100)")
journey_log "Sankey rows: plain SQL $n_plain, ours $n_ours, equal $n_equal"
[ "$n_plain" = "$n_equal" ] && [ "$n_ours" = "$n_plain" ] || { journey_log "MISMATCH"; exit 1; }
same=$(psql -X -At -c "SELECT ($ours_q)::text = ($journeys_q)::text")
journey_log "tree from stored journeys = tree from rows: $same"
[ "$same" = t ] || { journey_log "MISMATCH"; exit 1; }

floor_ms=$(best_ms "$floor_q")
per_customer_ms=$(best_ms "$per_customer_q")
ours_ms=$(best_ms "$ours_q")
journeys_ms=$(best_ms "$journeys_q")
plain_ms=$(best_ms "$plain_q")
read -r tree_bytes path_bytes paths <<<"$(psql -X -At -F ' ' -c "
	SELECT (SELECT octet_length(($ours_q)::text) / 2),
	       (SELECT round(avg(pg_column_size(p)), 1) FROM ($per_customer_q) x(c, p)),
	       (SELECT num_paths(($ours_q)))")"

ratio() { awk "BEGIN {printf \"%.2f\", $1 / $2}"; }
printf '\n%s events, %s customers, %s paths from the first activate (5 steps)\n' "$((customers * 10))" "$customers" "$paths"
printf '%-66s %10s %8s\n' "query" "ms" "ratio"
printf '%-66s %10.0f\n' "GROUP BY floor: count(*), max(ts) per customer" "$floor_ms"
printf '%-66s %10.0f %7sx\n' "path_agg per customer (vs floor)" "$per_customer_ms" "$(ratio "$per_customer_ms" "$floor_ms")"
printf '%-66s %10.0f %7sx\n' "path_agg per customer + rollup into one tree (vs floor)" "$ours_ms" "$(ratio "$ours_ms" "$floor_ms")"
printf '%-66s %10.0f %7sx\n' "plain SQL: lag/row_number/lead + percentile_disc (vs ours)" "$plain_ms" "$(ratio "$plain_ms" "$ours_ms")"
printf '%-66s %10.0f %7sx\n' "rollup(path_agg(j, ...)) over stored journeys (vs floor)" "$journeys_ms" "$(ratio "$journeys_ms" "$floor_ms")"
printf '\nstate sizes: one customer'"'"'s path %s bytes on average; the rolled-up tree %s bytes\n' "$path_bytes" "$tree_bytes"
printf '(bound: 16 labels + (other) per step, 10 steps, a durations sketch per transition)\n'
ok_floor=$(awk "BEGIN {print ($ours_ms <= 1.5 * $floor_ms) ? \"yes\" : \"NO\"}")
ok_plain=$(awk "BEGIN {print ($plain_ms >= 3 * $ours_ms) ? \"yes\" : \"NO\"}")
printf 'targets: path_agg + rollup <= 1.5x floor: %s; plain SQL >= 3x ours: %s\n' "$ok_floor" "$ok_plain"

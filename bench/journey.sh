#!/usr/bin/env bash
# Benchmark: building stored journeys.  journey_agg per customer (10
# events per customer over a year, 8 labels, one event in five with an
# amount) against the GROUP BY floor, then the size of a customer_journeys
# table in bytes per event.
#
#   bash bench/journey.sh              10M events over 1M customers
#   SCALE=0.05 bash bench/journey.sh   500k events over 50k customers
#
# Each query runs 3 times; the best EXPLAIN ANALYZE execution time counts
# (no result transfer to the client).  The script first checks that the
# journeys hold exactly the rows.  (The analyses over stored journeys are
# benchmarked here once they exist.)
set -euo pipefail
. "$(dirname "$0")/../test/lib.sh"
SCALE=${SCALE:-1}
journey_bench_setup 2GB 1GB

customers=$(awk "BEGIN {printf \"%d\", 1000000 * $SCALE}")
journey_log "generating $((customers * 10)) events over $customers customers"
psql -X -q <<SQL
SELECT setseed(0.5);
-- 10 events per customer over a year at second resolution, in random
-- order; 8 labels, the common ones more often; an amount on purchases
CREATE TABLE events AS
SELECT c AS customer_id,
       timestamptz '2026-01-01' + (random() * 365 * 86400)::int * interval '1 second' AS ts,
       l.label,
       CASE WHEN l.label = 'purchase' THEN round((random() * 200)::numeric, 2) END AS amount
FROM (SELECT c, random() AS r FROM generate_series(1, $customers) c, generate_series(1, 10) e) g,
     LATERAL (SELECT CASE WHEN r < 0.30 THEN 'view' WHEN r < 0.45 THEN 'click' WHEN r < 0.55 THEN 'search'
                          WHEN r < 0.65 THEN 'login' WHEN r < 0.75 THEN 'cart' WHEN r < 0.85 THEN 'signup'
                          WHEN r < 0.95 THEN 'purchase' ELSE 'refund' END AS label) l
ORDER BY random();
VACUUM ANALYZE events;
SQL

floor_q="SELECT customer_id, count(*), max(ts) FROM events GROUP BY customer_id"
build_q="SELECT customer_id, journey_agg(ts, label) FROM events GROUP BY customer_id"
build_amount_q="SELECT customer_id, journey_agg(ts, label, amount) FROM events GROUP BY customer_id"
# for scale: the same per-customer pass with a built-in by-reference state
array_q="SELECT customer_id, array_agg(ts) FROM events GROUP BY customer_id"

psql -X -q -c "CREATE TABLE customer_journeys AS $build_amount_q" -c "ALTER TABLE customer_journeys RENAME COLUMN journey_agg TO j" \
	-c "CREATE TABLE customer_journeys_noamount AS $build_q" -c "ALTER TABLE customer_journeys_noamount RENAME COLUMN journey_agg TO j" \
	-c "VACUUM ANALYZE customer_journeys" -c "VACUUM ANALYZE customer_journeys_noamount"
differing=$(psql -X -At -c "SELECT count(*) FROM ((SELECT customer_id, ts, label, amount FROM events
	EXCEPT ALL SELECT customer_id, e.* FROM customer_journeys, journey_events(j) e)
	UNION ALL (SELECT customer_id, e.* FROM customer_journeys, journey_events(j) e
	EXCEPT ALL SELECT customer_id, ts, label, amount FROM events)) d")
journey_log "events differing between the rows and the stored journeys: $differing"
[ "$differing" = 0 ] || { journey_log "MISMATCH"; exit 1; }

floor_ms=$(best_ms "$floor_q")
build_ms=$(best_ms "$build_q")
build_amount_ms=$(best_ms "$build_amount_q")
array_ms=$(best_ms "$array_q")
read -r value_bpe table_bpe rows_mb events_mb <<<"$(psql -X -At -F ' ' -c "
	SELECT round(sum(pg_column_size(j))::numeric / sum(num_events(j)), 2),
	       round(pg_total_relation_size('customer_journeys')::numeric / sum(num_events(j)), 2),
	       round(pg_total_relation_size('customer_journeys') / 1e6, 1),
	       round(pg_total_relation_size('events') / 1e6, 1)
	FROM customer_journeys")"
read -r value_bpe_na table_bpe_na <<<"$(psql -X -At -F ' ' -c "
	SELECT round(sum(pg_column_size(j))::numeric / sum(num_events(j)), 2),
	       round(pg_total_relation_size('customer_journeys_noamount')::numeric / sum(num_events(j)), 2)
	FROM customer_journeys_noamount")"

ratio() { awk "BEGIN {printf \"%.2f\", $1 / $2}"; }
printf '\n%-66s %10s %8s\n' "build, $((customers * 10)) events / $customers customers" "ms" "ratio"
printf '%-66s %10.0f %8s\n' "floor: GROUP BY customer_id, count(*), max(ts)" "$floor_ms" "1.00"
printf '%-66s %10.0f %8s\n' "journey_agg(ts, label) per customer" "$build_ms" "$(ratio "$build_ms" "$floor_ms")"
printf '%-66s %10.0f %8s\n' "journey_agg(ts, label, amount) per customer" "$build_amount_ms" "$(ratio "$build_amount_ms" "$floor_ms")"
printf '%-66s %10.0f %8s\n' "for scale: array_agg(ts) per customer" "$array_ms" "$(ratio "$array_ms" "$floor_ms")"
printf '\n%-66s %10s %8s\n' "size" "value" "table"
printf '%-66s %10s %8s\n' "bytes per event, journey_agg(ts, label)" "$value_bpe_na" "$table_bpe_na"
printf '%-66s %10s %8s\n' "bytes per event, journey_agg(ts, label, amount)" "$value_bpe" "$table_bpe"
printf '%-66s %10s %8s\n' "MB: events table, customer_journeys table" "$events_mb" "$rows_mb"

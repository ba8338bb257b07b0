#!/usr/bin/env bash
# Benchmark: stored journeys against the rows, side by side, one run.
#
#   1. build: journey_agg per customer (10 events per customer over a
#      year, 8 labels, an amount on purchases) against the GROUP BY floor,
#      and the size of a customer_journeys table in bytes per event;
#   2. the 4-step 7-day funnel (view, click, cart, purchase): funnel_step
#      over the stored journeys, against funnel_step over the rows (the
#      boolean form and the label form), against ClickHouse's windowFunnel
#      on the same rows; every level histogram must be equal;
#   3. time_to_first_value, lifecycle_stage, active_periods and retention
#      over the journeys against their row forms (results checked equal),
#      and ClickHouse's retention against ours.
#
#   bash bench/journey.sh              10M events over 1M customers
#   SCALE=0.05 bash bench/journey.sh   500k events over 50k customers
#
# Each query runs 3 times; the best EXPLAIN ANALYZE execution time counts
# (no result transfer to the client); ClickHouse's best of 3 `--time`
# with FORMAT Null.  PostgreSQL may use 2 parallel workers per query
# (max_parallel_workers_per_gather = 2: up to 3 processes on this 2-core
# box); ClickHouse runs with max_threads = 2.  The journey-form analyses
# are skipped with a message where this build does not have them.
# ClickHouse: CLICKHOUSE=1 installs Debian's clickhouse-server 18.16 if
# missing, CLICKHOUSE=0 skips it, by default it runs when installed.
set -euo pipefail
. "$(dirname "$0")/../test/lib.sh"
SCALE=${SCALE:-1}
CLICKHOUSE=${CLICKHOUSE:-auto}
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
# Tables as they are in steady state, every page all-visible (so a scan
# skips the per-row visibility check): a VACUUM right after the load that
# wrote them can leave the visibility map empty (its horizon is not yet
# past the loading transaction), so move the horizon and vacuum again.
psql -X -q -c "SELECT txid_current()" -o /dev/null -c "VACUUM events" -c "VACUUM customer_journeys" -c "VACUUM customer_journeys_noamount"
journey_log "all-visible pages: $(psql -X -At -c "SELECT string_agg(relname || ' ' || relallvisible || '/' || relpages, ', ' ORDER BY relname)
	FROM pg_class WHERE relname IN ('events', 'customer_journeys', 'customer_journeys_noamount')")"
differing=$(psql -X -At -c "SELECT count(*) FROM ((SELECT customer_id, ts, label, amount FROM events
	EXCEPT ALL SELECT customer_id, e.* FROM customer_journeys, journey_events(j) e)
	UNION ALL (SELECT customer_id, e.* FROM customer_journeys, journey_events(j) e
	EXCEPT ALL SELECT customer_id, ts, label, amount FROM events)) d")
journey_log "events differing between the rows and the stored journeys: $differing"
[ "$differing" = 0 ] || { journey_log "MISMATCH"; exit 1; }

ratio() { awk "BEGIN {printf \"%.2f\", $1 / $2}"; }
has() { [ "$(psql -X -At -c "SELECT to_regprocedure('$1') IS NOT NULL")" = t ]; }
row() { printf '%-72s %10.0f %8s\n' "$1" "$2" "${3:-}"; }
skipped() { printf '%-72s %10s\n' "$1" "skipped: $2 does not exist"; }

# ------------------------------------------------------------- the funnel
steps="ARRAY['view', 'click', 'cart', 'purchase']"
funnel_bool_q="SELECT customer_id, funnel_step(ts, '7 days', label = 'view', label = 'click', label = 'cart', label = 'purchase') FROM events GROUP BY customer_id"
funnel_label_q="SELECT customer_id, funnel_step(ts, '7 days', label, $steps) FROM events GROUP BY customer_id"
funnel_j_q="SELECT customer_id, funnel_step(j, '7 days', $steps) FROM customer_journeys"
histogram() { psql -X -At -c "SELECT string_agg(l || ': ' || n, ', ' ORDER BY l) FROM (SELECT l, count(*) n FROM ($1) x(c, l) GROUP BY l) h"; }
hist_bool=$(histogram "$funnel_bool_q")
hist_label=$(histogram "$funnel_label_q")
journey_log "funnel levels, rows (boolean form): $hist_bool"
[ "$hist_label" = "$hist_bool" ] || { journey_log "MISMATCH, label form: $hist_label"; exit 1; }
differing=$(psql -X -At -c "SELECT count(*) FROM (($funnel_bool_q) EXCEPT ($funnel_label_q)) d")
[ "$differing" = 0 ] || { journey_log "MISMATCH: $differing customers differ between the boolean and the label form"; exit 1; }
have_jfunnel=
if has 'funnel_step(journey, interval, text[])'; then
	have_jfunnel=1
	hist_j=$(histogram "$funnel_j_q")
	[ "$hist_j" = "$hist_bool" ] || { journey_log "MISMATCH, stored journeys: $hist_j"; exit 1; }
	differing=$(psql -X -At -c "SELECT count(*) FROM (($funnel_bool_q) EXCEPT ($funnel_j_q)) d")
	[ "$differing" = 0 ] || { journey_log "MISMATCH: $differing customers differ between the rows and the journeys"; exit 1; }
	journey_log "stored-journey funnel levels equal the rows' for every customer"
fi

# ------------------------------------------------ the other analyses: (label, row form, journey form, signature)
as_of="timestamptz '2027-01-01'"
origin="timestamptz '2026-01-01'"
analyses=(
	"time_to_first_value(signup -> purchase)|SELECT customer_id, time_to_first_value(ts, label = 'signup', label = 'purchase') AS v FROM events GROUP BY customer_id|SELECT customer_id, time_to_first_value(j, 'signup', 'purchase') AS v FROM customer_journeys|time_to_first_value(journey, text, text)"
	"lifecycle_stage(signup; view, click; 30 / 90 days)|SELECT customer_id, lifecycle_stage(ts, label = 'signup', label IN ('view', 'click'), $as_of, '30 days', '90 days')::text AS v FROM events GROUP BY customer_id|SELECT customer_id, lifecycle_stage(j, ARRAY['signup'], ARRAY['view', 'click'], $as_of, '30 days', '90 days')::text AS v FROM customer_journeys|lifecycle_stage(journey, text[], text[], timestamptz, interval, interval)"
	"active_periods(purchase, 12 periods of 30 days)|SELECT customer_id, active_periods(ts, label = 'purchase', $origin, '30 days', 12) AS v FROM events GROUP BY customer_id|SELECT customer_id, active_periods(j, ARRAY['purchase'], $origin, '30 days', 12) AS v FROM customer_journeys|active_periods(journey, text[], timestamptz, interval, integer)"
	"retention(signup, purchase, refund)|SELECT customer_id, retention(label = 'signup', label = 'purchase', label = 'refund') AS v FROM events GROUP BY customer_id|SELECT customer_id, retention(j, 'signup', 'purchase', 'refund') AS v FROM customer_journeys|retention(journey, text[])"
)
for a in "${analyses[@]}"; do
	IFS='|' read -r name row_q j_q sig <<<"$a"
	if has "$sig"; then
		differing=$(psql -X -At -c "SELECT count(*) FROM ((($row_q) EXCEPT ($j_q)) UNION ALL (($j_q) EXCEPT ($row_q))) d")
		[ "$differing" = 0 ] || { journey_log "MISMATCH: $name: $differing customers differ between the rows and the journeys"; exit 1; }
	fi
done
journey_log "analyses over the journeys equal their row forms where they exist"

# --------------------------------------------------------------- timings
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
funnel_bool_ms=$(best_ms "$funnel_bool_q")
funnel_label_ms=$(best_ms "$funnel_label_q")
funnel_j_ms=
[ -n "$have_jfunnel" ] && funnel_j_ms=$(best_ms "$funnel_j_q")
# The question an analyst asks of it: how many customers reached each step.
# Aggregated, the scan of the journeys can run in parallel workers (a
# per-customer answer ships every row through Gather, so it stays serial).
funnel_j_hist_q="SELECT l, count(*) FROM ($funnel_j_q) x(c, l) GROUP BY l"
funnel_j_hist_ms=
[ -n "$have_jfunnel" ] && funnel_j_hist_ms=$(best_ms "$funnel_j_hist_q")
declare -A row_ms j_ms
for a in "${analyses[@]}"; do
	IFS='|' read -r name row_q j_q sig <<<"$a"
	row_ms[$name]=$(best_ms "$row_q")
	has "$sig" && j_ms[$name]=$(best_ms "$j_q")
done

# ------------------------------------------------------------ ClickHouse
ch_funnel_ms= ch_retention_ms= ch_version=
if journey_clickhouse_start 2; then
	ch_version=$chversion
	journey_log "ClickHouse $ch_version on 127.0.0.1:$chport; loading the same rows"
	ch --query "CREATE TABLE events (customer_id UInt32, ts DateTime, label String) ENGINE = MergeTree ORDER BY (customer_id, ts)"
	psql -X -q -c "COPY (SELECT customer_id, extract(epoch FROM ts)::bigint, label FROM events) TO STDOUT" |
		ch --query "INSERT INTO events FORMAT TSV"
	ch --query "OPTIMIZE TABLE events FINAL"
	ch_funnel_q="SELECT customer_id, windowFunnel(604800)(ts, label = 'view', label = 'click', label = 'cart', label = 'purchase') AS l FROM events GROUP BY customer_id"
	ch_hist=$(ch --query "SELECT arrayStringConcat(groupArray(concat(toString(l), ': ', toString(n))), ', ') FROM (SELECT l, count() AS n FROM ($ch_funnel_q) GROUP BY l ORDER BY l)")
	journey_log "ClickHouse funnel levels: $ch_hist"
	[ "$ch_hist" = "$hist_bool" ] || { journey_log "MISMATCH with ours: $hist_bool"; exit 1; }
	ch_retention_q="SELECT customer_id, retention(label = 'signup', label = 'purchase', label = 'refund') AS r FROM events GROUP BY customer_id"
	ch_ret=$(ch --query "SELECT arrayStringConcat(groupArray(toString(n)), ',') FROM (SELECT arrayJoin(arrayEnumerate(r)) AS k, sum(r[k]) AS n FROM ($ch_retention_q) GROUP BY k ORDER BY k)")
	our_ret=$(psql -X -At -c "SELECT string_agg(n::text, ',' ORDER BY k) FROM (SELECT k, sum(v[k]) AS n FROM (SELECT retention(label = 'signup', label = 'purchase', label = 'refund') AS v FROM events GROUP BY customer_id) x, generate_series(1, 3) k GROUP BY k) s")
	journey_log "retention sums, ClickHouse: $ch_ret; ours: $our_ret"
	[ "$ch_ret" = "$our_ret" ] || { journey_log "MISMATCH"; exit 1; }
	ch_best() {
		local best= t i
		for i in 1 2 3; do
			t=$( { ch --time --query "$1 FORMAT Null"; } 2>&1 | tail -1)
			t=$(awk "BEGIN {printf \"%.0f\", $t * 1000}")
			if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
		done
		echo "$best"
	}
	ch_funnel_ms=$(ch_best "$ch_funnel_q")
	ch_hist_ms=$(ch_best "SELECT l, count() FROM ($ch_funnel_q) GROUP BY l")
	ch_retention_ms=$(ch_best "$ch_retention_q")
else
	journey_log "ClickHouse not installed: skipped (CLICKHOUSE=1 installs it)"
fi

# ---------------------------------------------------------------- report
workers=$(psql -X -At -c "SHOW max_parallel_workers_per_gather")
printf '\n%s events / %s customers; PostgreSQL: up to %s parallel workers per query; ClickHouse: max_threads = 2\n' \
	"$((customers * 10))" "$customers" "$workers"
printf '\n%-72s %10s %8s\n' "build" "ms" "ratio"
row "floor: GROUP BY customer_id, count(*), max(ts)" "$floor_ms" "1.00"
row "journey_agg(ts, label) per customer" "$build_ms" "$(ratio "$build_ms" "$floor_ms")"
row "journey_agg(ts, label, amount) per customer" "$build_amount_ms" "$(ratio "$build_amount_ms" "$floor_ms")"
row "for scale: array_agg(ts) per customer" "$array_ms" "$(ratio "$array_ms" "$floor_ms")"
printf '\n%-72s %10s %8s\n' "size" "value" "table"
printf '%-72s %10s %8s\n' "bytes per event, journey_agg(ts, label)" "$value_bpe_na" "$table_bpe_na"
printf '%-72s %10s %8s\n' "bytes per event, journey_agg(ts, label, amount)" "$value_bpe" "$table_bpe"
printf '%-72s %10s %8s\n' "MB: events table, customer_journeys table" "$events_mb" "$rows_mb"

printf '\n%-72s %10s %8s\n' "4-step funnel, 7 days (levels: $hist_bool)" "ms" "/ floor"
row "rows: funnel_step(ts, '7 days', label = 'view', ..., label = 'purchase')" "$funnel_bool_ms" "$(ratio "$funnel_bool_ms" "$floor_ms")"
row "rows: funnel_step(ts, '7 days', label, ARRAY['view', ..., 'purchase'])" "$funnel_label_ms" "$(ratio "$funnel_label_ms" "$floor_ms")"
if [ -n "$funnel_j_ms" ]; then
	row "stored journeys: funnel_step(j, '7 days', ARRAY['view', ..., 'purchase'])" "$funnel_j_ms" "$(ratio "$funnel_j_ms" "$floor_ms")"
else
	skipped "stored journeys: funnel_step(j, '7 days', ARRAY[...])" "funnel_step(journey, interval, text[])"
fi
[ -n "$ch_funnel_ms" ] && row "ClickHouse $ch_version: windowFunnel(604800)(ts, label = 'view', ...)" "$ch_funnel_ms" "$(ratio "$ch_funnel_ms" "$floor_ms")"
if [ -n "$ch_funnel_ms" ]; then
	printf '%-72s %18sx\n' "ClickHouse time / rows funnel_step time (label form)" "$(ratio "$ch_funnel_ms" "$funnel_label_ms")"
	[ -n "$funnel_j_ms" ] && printf '%-72s %18sx\n' "ClickHouse time / stored-journey funnel_step time (target >= 3)" "$(ratio "$ch_funnel_ms" "$funnel_j_ms")"
fi
printf '\n%-72s %10s\n' "level histogram: SELECT level, count(*) ... GROUP BY level" "ms"
[ -n "$funnel_j_hist_ms" ] && row "stored journeys: funnel_step(j, ...) per customer, counted per level" "$funnel_j_hist_ms" ""
[ -n "$ch_hist_ms" ] && row "ClickHouse $ch_version: windowFunnel per customer, counted per level" "$ch_hist_ms" ""
if [ -n "$ch_hist_ms" ] && [ -n "$funnel_j_hist_ms" ]; then
	printf '%-72s %18sx\n' "ClickHouse time / stored-journey time (target >= 3)" "$(ratio "$ch_hist_ms" "$funnel_j_hist_ms")"
fi
[ -n "$funnel_j_ms" ] && printf '%-72s %18sx\n' "stored-journey time / rows time (label form)" "$(ratio "$funnel_j_ms" "$funnel_label_ms")"

printf '\n%-72s %10s %10s %8s\n' "analysis (target: journeys <= 0.1 x rows)" "rows ms" "journey ms" "ratio"
for a in "${analyses[@]}"; do
	IFS='|' read -r name row_q j_q sig <<<"$a"
	if [ -n "${j_ms[$name]:-}" ]; then
		printf '%-72s %10.0f %10.0f %8s\n' "$name" "${row_ms[$name]}" "${j_ms[$name]}" "$(ratio "${j_ms[$name]}" "${row_ms[$name]}")"
	else
		printf '%-72s %10.0f %10s %8s\n' "$name" "${row_ms[$name]}" "skipped" "(no ${sig%%(*}(journey, ...))"
	fi
done
if [ -n "$ch_retention_ms" ]; then
	ret_j=${j_ms["retention(signup, purchase, refund)"]:-}
	printf '%-72s %10.0f %10s %8s\n' "ClickHouse $ch_version: retention(label = 'signup', ...) per customer" "$ch_retention_ms" "" ""
	printf '%-72s %18sx\n' "ClickHouse retention time / rows retention time" "$(ratio "$ch_retention_ms" "${row_ms["retention(signup, purchase, refund)"]}")"
	[ -n "$ret_j" ] && printf '%-72s %18sx\n' "ClickHouse retention time / stored-journey retention time" "$(ratio "$ch_retention_ms" "$ret_j")"
fi

# How many processes each PostgreSQL query's plan uses (the leader plus
# the workers planned; the cluster allows 2 per Gather and has them free)
procs() { local w; w=$(psql -X -At -c "EXPLAIN (COSTS OFF) $1" | sed -n 's/.*Workers Planned: \([0-9]*\).*/\1/p' | head -1); echo $((1 + ${w:-0})); }
printf '\n%-72s %10s\n' "PostgreSQL processes per query (leader + workers planned)" "processes"
printf '%-72s %10s\n' "floor" "$(procs "$floor_q")"
printf '%-72s %10s\n' "journey_agg(ts, label, amount)" "$(procs "$build_amount_q")"
printf '%-72s %10s\n' "funnel_step over the rows, boolean form" "$(procs "$funnel_bool_q")"
[ -n "$have_jfunnel" ] && printf '%-72s %10s\n' "funnel_step over the stored journeys, level histogram" "$(procs "$funnel_j_hist_q")"
printf '%-72s %10s\n' "funnel_step over the rows, label form" "$(procs "$funnel_label_q")"
[ -n "$funnel_j_ms" ] && printf '%-72s %10s\n' "funnel_step over the stored journeys" "$(procs "$funnel_j_q")"
for a in "${analyses[@]}"; do
	IFS='|' read -r name row_q j_q sig <<<"$a"
	printf '%-72s %10s\n' "$name, rows" "$(procs "$row_q")"
	[ -n "${j_ms[$name]:-}" ] && printf '%-72s %10s\n' "$name, stored journeys" "$(procs "$j_q")"
done
printf '%-72s %10s\n' "ClickHouse (every query: max_threads)" "2"
exit 0

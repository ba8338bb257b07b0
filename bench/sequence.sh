#!/usr/bin/env bash
# Benchmark: sequence_count (ClickHouse sequenceCount) per customer, a
# pattern without and one with a time condition, from rows and from
# stored journeys, against the GROUP BY floor and ClickHouse's
# sequenceCount on the same rows; funnel_count alongside.
#
#   bash bench/sequence.sh             10M events over 1M customers
#   SCALE=0.01 bash bench/sequence.sh  100k events over 10k customers
#
# Each query runs 3 times; the best EXPLAIN ANALYZE execution time counts.
# ClickHouse (optional; CLICKHOUSE=1 installs Debian's clickhouse-server
# 18.16 if missing, CLICKHOUSE=0 skips it, by default it runs when
# installed): a private server on loopback with its data in a temp dir
# (CH_PORT: its TCP port, default a free one) gets the same rows; the
# per-customer counts must be the same (their sum and histogram), then
# both times are printed.  A customer's timestamps are distinct, so the
# answers do not depend on the order of tied rows.
set -euo pipefail
. "$(dirname "$0")/../test/lib.sh"
SCALE=${SCALE:-1}
CLICKHOUSE=${CLICKHOUSE:-auto}
journey_bench_setup 2GB 1GB

customers=$(awk "BEGIN {printf \"%d\", 1000000 * $SCALE}")
journey_log "generating $((customers * 10)) events over $customers customers"
psql -X -q <<SQL
SELECT setseed(0.5);
-- 10 events per customer, the e-th in day 3e..3e+3 of January (distinct
-- whole seconds), rows in random order; kind 0..3: signup, activate,
-- report, purchase; 4: other activity
CREATE TABLE events AS
SELECT customer_id, ts, kind, (ARRAY['signup', 'activate', 'report', 'purchase', 'other'])[kind + 1] AS label
FROM (SELECT c AS customer_id,
             timestamptz '2026-01-01' + (e * 3 * 86400 + floor(random() * 3 * 86400)::int) * interval '1 second' AS ts,
             (CASE WHEN r < 0.15 THEN 0 WHEN r < 0.35 THEN 1 WHEN r < 0.5 THEN 2 WHEN r < 0.6 THEN 3 ELSE 4 END)::smallint AS kind
      FROM (SELECT c, e, random() AS r FROM generate_series(1, $customers) c, generate_series(0, 9) e) g) k
ORDER BY random();
VACUUM ANALYZE events;
CREATE TABLE journeys AS SELECT customer_id, journey_agg(ts, label) AS j FROM events GROUP BY customer_id;
VACUUM ANALYZE journeys;
SQL

pattern="(?1).*(?2)"
tpattern="(?1)(?t<=259200)(?2)"
floor_q="SELECT customer_id, count(*), max(ts) FROM events GROUP BY customer_id"
ours_q="SELECT customer_id, sequence_count(ts, '$pattern', kind = 1, kind = 2) FROM events GROUP BY customer_id"
ourst_q="SELECT customer_id, sequence_count(ts, '$tpattern', kind = 1, kind = 2) FROM events GROUP BY customer_id"
journey_q="SELECT customer_id, sequence_count(j, '$pattern', 'activate', 'report') FROM journeys"
journeyt_q="SELECT customer_id, sequence_count(j, '$tpattern', 'activate', 'report') FROM journeys"
fcount_q="SELECT customer_id, funnel_count(ts, '3 days', kind = 1, kind = 2) FROM events GROUP BY customer_id"

hist() { psql -X -At -c "SELECT string_agg(n || ': ' || k, ', ' ORDER BY n) FROM (SELECT n, count(*) k FROM ($1) x(c, n) GROUP BY n) h"; }
ours_hist=$(hist "$ours_q")
ourst_hist=$(hist "$ourst_q")
journey_differing=$(psql -X -At -c "SELECT count(*) FROM (($ours_q) EXCEPT ($journey_q)) d")
journey_log "sequence_count('$pattern') per customer: $ours_hist"
journey_log "sequence_count('$tpattern') per customer: $ourst_hist"
journey_log "customers whose count differs between rows and journeys: $journey_differing"
[ "$journey_differing" = 0 ] || { journey_log "MISMATCH"; exit 1; }

floor_ms=$(best_ms "$floor_q")
ours_ms=$(best_ms "$ours_q")
ourst_ms=$(best_ms "$ourst_q")
journey_ms=$(best_ms "$journey_q")
journeyt_ms=$(best_ms "$journeyt_q")
fcount_ms=$(best_ms "$fcount_q")

ratio() { awk "BEGIN {printf \"%.2f\", $1 / $2}"; }
printf '\n%-70s %10s %8s\n' "sequence_count per customer, $((customers * 10)) events / $customers customers" "ms" "ratio"
printf '%-70s %10.0f %8s\n' "floor: GROUP BY customer_id, count(*), max(ts)" "$floor_ms" "1.00"
printf '%-70s %10.0f %8s\n' "journey: sequence_count(ts, '$pattern', ...)" "$ours_ms" "$(ratio "$ours_ms" "$floor_ms")"
printf '%-70s %10.0f %8s\n' "journey: sequence_count(ts, '$tpattern', ...)" "$ourst_ms" "$(ratio "$ourst_ms" "$floor_ms")"
printf '%-70s %10.0f %8s\n' "journey: sequence_count(j, '$pattern', labels) (stored)" "$journey_ms" "$(ratio "$journey_ms" "$floor_ms")"
printf '%-70s %10.0f %8s\n' "journey: sequence_count(j, '$tpattern', labels) (stored)" "$journeyt_ms" "$(ratio "$journeyt_ms" "$floor_ms")"
printf '%-70s %10.0f %8s\n' "journey: funnel_count(ts, '3 days', ...)" "$fcount_ms" "$(ratio "$fcount_ms" "$floor_ms")"

# ---------------------------------------------------------------- ClickHouse
if ! journey_clickhouse_start; then
	journey_log "ClickHouse not installed: skipped (CLICKHOUSE=1 installs it)"
	exit 0
fi
journey_log "ClickHouse $chversion on 127.0.0.1:$chport; loading the same rows"
ch --query "CREATE TABLE events (customer_id UInt32, ts DateTime, kind UInt8) ENGINE = MergeTree ORDER BY (customer_id, ts)"
psql -X -q -c "COPY (SELECT customer_id, extract(epoch FROM ts)::bigint, kind FROM events) TO STDOUT" |
	ch --query "INSERT INTO events FORMAT TSV"
ch --query "OPTIMIZE TABLE events FINAL"
chq="SELECT customer_id, sequenceCount('$pattern')(ts, kind = 1, kind = 2) AS n FROM events GROUP BY customer_id"
chtq="SELECT customer_id, sequenceCount('$tpattern')(ts, kind = 1, kind = 2) AS n FROM events GROUP BY customer_id"
chhist() { ch --query "SELECT arrayStringConcat(groupArray(concat(toString(n), ': ', toString(k))), ', ') FROM (SELECT n, count() AS k FROM ($1) GROUP BY n ORDER BY n)"; }
ch_hist=$(chhist "$chq")
cht_hist=$(chhist "$chtq")
journey_log "ClickHouse sequenceCount('$pattern'): $ch_hist"
journey_log "ClickHouse sequenceCount('$tpattern'): $cht_hist"
[ "$ch_hist" = "$ours_hist" ] || { journey_log "MISMATCH with ours: $ours_hist"; exit 1; }
[ "$cht_hist" = "$ourst_hist" ] || { journey_log "MISMATCH with ours: $ourst_hist"; exit 1; }
ch_best() {
	local best= t i
	for i in 1 2 3; do
		t=$( { ch --time --query "$1 FORMAT Null"; } 2>&1 | tail -1)
		t=$(awk "BEGIN {printf \"%.0f\", $t * 1000}")
		if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
	done
	echo "$best"
}
ch_ms=$(ch_best "$chq")
cht_ms=$(ch_best "$chtq")
printf '%-70s %10.0f %8s\n' "ClickHouse $chversion: sequenceCount('$pattern') (MergeTree)" "$ch_ms" "$(ratio "$ch_ms" "$floor_ms")"
printf '%-70s %10.0f %8s\n' "ClickHouse $chversion: sequenceCount('$tpattern')" "$cht_ms" "$(ratio "$cht_ms" "$floor_ms")"
printf '%-70s %19sx\n' "sequence_count rows / ClickHouse ('$pattern')" "$(ratio "$ours_ms" "$ch_ms")"
printf '%-70s %19sx\n' "sequence_count stored journeys / ClickHouse ('$pattern')" "$(ratio "$journey_ms" "$ch_ms")"
printf '%-70s %19sx\n' "sequence_count rows / ClickHouse ('$tpattern')" "$(ratio "$ourst_ms" "$cht_ms")"
printf '%-70s %19sx\n' "sequence_count stored journeys / ClickHouse ('$tpattern')" "$(ratio "$journeyt_ms" "$cht_ms")"

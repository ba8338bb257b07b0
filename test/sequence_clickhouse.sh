#!/usr/bin/env bash
# Regenerate test/fixtures/sequence_clickhouse.csv: sequence_match and
# sequence_count against ClickHouse's sequenceMatch and sequenceCount
# (Debian's clickhouse-server 18.16) on random small histories and random
# patterns.  Not run by `make test` (it needs ClickHouse and a minute);
# test/sequence.sql checks the file it writes without ClickHouse.
#
#   bash test/sequence_clickhouse.sh               1500 histories x 8 patterns
#   HISTORIES=200 PATTERNS=10 POOL=100 SEED=7 bash test/sequence_clickhouse.sh
#   CH_PORT=9301 ...        ClickHouse's TCP port (default: a free one)
#   CLICKHOUSE=1 ...        install clickhouse-server with apt-get if missing
#
# Each history gets PATTERNS patterns drawn from a pool of POOL random
# ones (default 400; ClickHouse takes a pattern as a constant, so one
# query per distinct pattern): a case is (history, pattern).  Histories have 0-10 rows over 3 conditions,
# timestamps in whole seconds 0..20 (so with ties); patterns are 1-6
# items of (?1)..(?3), ".", ".*" and time conditions (?t<=, <, >=, > of
# 0..6 seconds); 18.16 has no (?t==).  Rows go to ClickHouse (a Memory
# table, one thread) in our event order, (ts, mask); a second table holds
# the rows of each timestamp in the reverse order, to see which answers
# depend on the order of tied rows (ClickHouse sorts by time only).
#
# The cases where ClickHouse and journey agree are written to the fixture
# (history as "ts:mask;..." with mask bit k-1 = condition k); the others
# are printed, with a summary.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$JOURNEY_ROOT"
HISTORIES=${HISTORIES:-1500}
PATTERNS=${PATTERNS:-8}
POOL=${POOL:-400}
SEED=${SEED:-14}
CLICKHOUSE=${CLICKHOUSE:-auto}
OUT=${OUT:-test/fixtures/sequence_clickhouse.csv}

journey_setup
psql -X -q -c 'CREATE EXTENSION journey'
work=$(mktemp -d /tmp/journey-seqch.XXXXXX)

# ------------------------------------------------------------ ClickHouse
journey_clickhouse_start 1 2000000000 268435456 ||
	{ journey_log "clickhouse-server is not installed (CLICKHOUSE=1 installs it)"; exit 1; }
trap 'journey_clickhouse_stop; rm -rf "$work"' EXIT
journey_log "ClickHouse $chversion on 127.0.0.1:$chport"

# ------------------------------------------------------------ the cases
# rows.tsv: hid, ts, c1, c2, c3, mask (sorted by hid, ts, mask);
# patterns.tsv: hid, pid, pattern
awk -v H="$HISTORIES" -v P="$PATTERNS" -v POOL="$POOL" -v seed="$SEED" -v work="$work" '
function item(prev,   r, ops) {
	r = rand()
	if (r < 0.45) return "(?" int(1 + rand() * 3) ")"
	if (r < 0.6) return "."
	if (r < 0.8) return ".*"
	if (prev ~ /^\(\?t/) return ".*"
	split("<= < >= >", ops, " ")
	return "(?t" ops[int(1 + rand() * 4)] int(rand() * 7) ")"
}
BEGIN {
	srand(seed)
	for (k = 1; k <= POOL; k++) {
		len = 1 + int(rand() * 6); s = ""; prev = ""
		for (i = 0; i < len; i++) { it = item(prev); s = s it; prev = it }
		pool[k] = s
	}
	for (h = 1; h <= H; h++) {
		n = int(rand() * 11)
		for (i = 0; i < n; i++) {
			ts = int(rand() * 21); c1 = rand() < 0.4; c2 = rand() < 0.4; c3 = rand() < 0.3
			print h "\t" ts "\t" c1 "\t" c2 "\t" c3 "\t" (c1 + 2 * c2 + 4 * c3) > (work "/rows.unsorted")
		}
		for (p = 1; p <= P; p++)
			print h "\t" p "\t" pool[int(1 + rand() * POOL)] > (work "/patterns.tsv")
	}
}'
sort -t "$(printf '\t')" -k1,1n -k2,2n -k6,6n "$work/rows.unsorted" > "$work/rows.tsv"
sort -t "$(printf '\t')" -k1,1n -k2,2n -k6,6nr "$work/rows.unsorted" > "$work/rows_reversed.tsv"

ch --query "CREATE TABLE rows (hid UInt32, ts UInt32, c1 UInt8, c2 UInt8, c3 UInt8, mask UInt8) ENGINE = Memory"
ch --query "CREATE TABLE rows_reversed AS rows"
ch --query "INSERT INTO rows FORMAT TSV" < "$work/rows.tsv"
ch --query "INSERT INTO rows_reversed FORMAT TSV" < "$work/rows_reversed.tsv"

# ClickHouse: one query per pattern slot p over all histories is not
# possible (the pattern is a constant parameter), so one query per
# distinct pattern, over the histories that use it.
cut -f3 "$work/patterns.tsv" | sort -u > "$work/distinct.txt"
journey_log "$HISTORIES histories, $(wc -l < "$work/patterns.tsv") cases, $(wc -l < "$work/distinct.txt") distinct patterns"
: > "$work/ch.tsv"
: > "$work/ch_errors.txt"
# batches of 40 patterns: SELECT hid, pattern, match, count, match and
# count over the reversed ties, UNION ALL per pattern
split -l 40 "$work/distinct.txt" "$work/batch."
for batch in "$work"/batch.*; do
	q=
	while IFS= read -r pat; do
		hids=$(awk -F '\t' -v p="$pat" '$3 == p {print $1}' "$work/patterns.tsv" | sort -un | paste -sd, -)
		sub_q="SELECT a.hid, '$pat', a.m, a.c, b.m, b.c FROM
 (SELECT hid, sequenceMatch('$pat')(toDateTime(ts), c1 = 1, c2 = 1, c3 = 1) AS m, sequenceCount('$pat')(toDateTime(ts), c1 = 1, c2 = 1, c3 = 1) AS c FROM rows WHERE hid IN ($hids) GROUP BY hid) a
 ALL INNER JOIN
 (SELECT hid, sequenceMatch('$pat')(toDateTime(ts), c1 = 1, c2 = 1, c3 = 1) AS m, sequenceCount('$pat')(toDateTime(ts), c1 = 1, c2 = 1, c3 = 1) AS c FROM rows_reversed WHERE hid IN ($hids) GROUP BY hid) b
 USING hid"
		q=${q:+$q UNION ALL }$sub_q
	done < "$batch"
	if ! ch --query "$q FORMAT TSV" >> "$work/ch.tsv" 2>>"$work/ch_errors.txt"; then
		journey_log "a ClickHouse batch failed: $(tail -c 300 "$work/ch_errors.txt")"
		exit 1
	fi
done
# histories without rows have no group in ClickHouse: their answers are
# those of an empty event list, taken from a history-less query below

# ------------------------------------------------------------ journey
psql -X -q <<SQL
CREATE TABLE rows (hid int, ts int, c1 bool, c2 bool, c3 bool, mask int);
CREATE TABLE patterns (hid int, pid int, pattern text);
CREATE TABLE ch (hid int, pattern text, m int, c bigint, m_rev int, c_rev bigint);
\copy rows FROM '$work/rows.tsv'
\copy patterns FROM '$work/patterns.tsv'
\copy ch FROM '$work/ch.tsv'
CREATE TABLE ours AS
SELECT p.hid, p.pid, p.pattern,
       coalesce(string_agg(r.ts || ':' || r.mask, ';' ORDER BY r.ts, r.mask) FILTER (WHERE r.mask > 0), '') AS history,
       sequence_match(to_timestamp(r.ts), p.pattern, r.c1, r.c2, r.c3) AS m,
       sequence_count(to_timestamp(r.ts), p.pattern, r.c1, r.c2, r.c3) AS c
FROM patterns p LEFT JOIN rows r ON r.hid = p.hid
GROUP BY p.hid, p.pid, p.pattern;
SQL
# a history with no rows at all: ClickHouse answers for an empty list
# through a group whose rows meet no condition
psql -X -At -F "$(printf '\t')" -c "SELECT DISTINCT pattern FROM ours WHERE history = ''" > "$work/empty_patterns.txt"
: > "$work/ch_empty.tsv"
while IFS= read -r pat; do
	ch --query "SELECT '$pat', sequenceMatch('$pat')(toDateTime(0), 0, 0, 0), sequenceCount('$pat')(toDateTime(0), 0, 0, 0) FORMAT TSV" >> "$work/ch_empty.tsv"
done < "$work/empty_patterns.txt"
psql -X -q <<SQL
CREATE TABLE ch_empty (pattern text, m int, c bigint);
\copy ch_empty FROM '$work/ch_empty.tsv'
CREATE TABLE cmp AS
SELECT o.hid, o.pid, o.pattern, o.history, o.m::int AS m, o.c,
       coalesce(ch.m, e.m) AS ch_m, coalesce(ch.c, e.c) AS ch_c,
       coalesce(ch.m_rev, e.m) AS ch_m_rev, coalesce(ch.c_rev, e.c) AS ch_c_rev
FROM ours o
LEFT JOIN ch ON ch.hid = o.hid AND ch.pattern = o.pattern
LEFT JOIN ch_empty e ON o.history = '' AND e.pattern = o.pattern;
SQL
psql -X -At -c "SELECT 'cases: ' || count(*) || ', agreeing: ' || count(*) FILTER (WHERE m = ch_m AND c = ch_c)
  || ', disagreeing: ' || count(*) FILTER (WHERE m <> ch_m OR c <> ch_c)
  || ', no ClickHouse answer: ' || count(*) FILTER (WHERE ch_m IS NULL)
  || ', ClickHouse answer changes when tied rows are reversed: ' || count(*) FILTER (WHERE ch_m <> ch_m_rev OR ch_c <> ch_c_rev)
  || ', of those with a tie in the history: ' || count(*) FILTER (WHERE (ch_m <> ch_m_rev OR ch_c <> ch_c_rev) AND history ~ '(^|;)([0-9]+):[0-9]+;\2:')
  FROM cmp" >&2
journey_log "disagreements (history | pattern | ours match, count | ClickHouse match, count):"
psql -X -At -c "SELECT history || ' | ' || pattern || ' | ' || m || ', ' || c || ' | ' || ch_m || ', ' || ch_c FROM cmp WHERE m <> ch_m OR c <> ch_c ORDER BY hid, pid LIMIT 40" >&2
{
	echo "history,pattern,match,count"
	psql -X -At -F , -c "SELECT history, pattern, m, c FROM cmp WHERE m = ch_m AND c = ch_c ORDER BY hid, pid"
} > "$OUT"
journey_log "wrote $(($(wc -l < "$OUT") - 1)) agreeing cases to $OUT"

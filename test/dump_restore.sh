#!/usr/bin/env bash
# Every value journey's types hold survives pg_dump / pg_restore and COPY.
#
# Run by test/run.sh against its throwaway cluster (PGHOST etc. set, the
# extension installed); prints TAP ("ok N - ...", "not ok N - ...", then
# "1..N") and exits non-zero when a test failed.  Standalone:
#   bash test/dump_restore.sh        (with PG* pointing at a superuser)
#
# test/fixtures/extremes.sql makes, in database journey_dump, one table
# dr_TYPE (label, v) per type with values at the edges of each type
# (subnormal and huge doubles, 4713 BC and 294276 AD, counts near 2^63,
# funnel paths spanning more than 2^63 microseconds, grid cells above
# 1e15, ...) plus an ordinary one, made by the aggregates.  Then:
#   - per value: in(out(x)) = x, and recv(send(x)) = x (binary COPY);
#   - per type: COPY TO/FROM in text and in binary give the same rows;
#   - pg_dump -Fc, pg_restore into journey_restore with no error, and per
#     type the restored values' text equals the original (EXCEPT ALL both
#     ways).
# A value its aggregate refuses to make (a clean ERROR with a SQLSTATE) is
# reported as a skip with the error.
#
# test/fixtures/dump_restore_known_failures.txt lists, one description a
# line, tests known to fail until a fix lands: they print as "not ok ...
# # TODO" and do not count as failures; one of them that passes is a
# failure ("remove it from the list"), so the list only shrinks.
set -uo pipefail
cd "$(dirname "$0")/.."

src=journey_dump dst=journey_restore
work=$(mktemp -d /tmp/journey-dump.XXXXXX)
chmod 777 "$work"
n=0 failed=0
known=test/fixtures/dump_restore_known_failures.txt

tap() {   # tap PASSED DESCRIPTION [DIAGNOSTIC...]
	local passed=$1 desc=$2 is_known=
	shift 2
	n=$((n + 1))
	[ -f "$known" ] && grep -qxF -- "$desc" "$known" && is_known=1
	if [ "$passed" = t ] && [ -z "$is_known" ]; then
		echo "ok $n - $desc"
	elif [ "$passed" = t ]; then
		echo "not ok $n - $desc"
		echo "#   passes now: remove it from $known"
		failed=$((failed + 1))
	elif [ -n "$is_known" ]; then
		echo "not ok $n - $desc # TODO known failure ($known)"
	else
		echo "not ok $n - $desc"
		failed=$((failed + 1))
	fi
	local d
	for d in "$@"; do
		[ -n "$d" ] && printf '%s\n' "$d" | sed 's/^/#   /'
	done
}

q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

dropdbs() {
	dropdb --if-exists "$src" >/dev/null 2>&1
	dropdb --if-exists "$dst" >/dev/null 2>&1
}
trap 'dropdbs; rm -rf "$work"' EXIT
dropdbs

createdb "$src"
if ! q -d "$src" -f test/fixtures/extremes.sql >"$work/extremes.log" 2>&1; then
	tap f "extreme values made (test/fixtures/extremes.sql)" "$(cat "$work/extremes.log")"
	echo "1..$n"
	exit 1
fi
tap t "extreme values of $(q -d "$src" -c "SELECT count(DISTINCT typ) FROM dr_expected") types made"

# values the aggregates refused to make: skips, with the error
while IFS=$'\t' read -r typ label state err; do
	n=$((n + 1))
	echo "ok $n - $typ \"$label\": made # SKIP refused with $state: $err"
done < <(q -F $'\t' -d "$src" -c "SELECT typ, label, coalesce(sqlstate, '-'), error FROM dr_refused ORDER BY typ, label")

# per value: text and binary round trips, in SQL (errors caught per value)
while IFS=$'\t' read -r typ label ok got want; do
	if [ "$ok" = t ]; then tap t "$typ \"$label\": text output parses back to the same value"
	else tap f "$typ \"$label\": text output parses back to the same value" "output: ${want:0:300}" "read back: ${got:0:300}"; fi
done < <(q -F $'\t' -d "$src" <<-'EOF'
	CREATE FUNCTION pg_temp.text_trip(typ text, label text) RETURNS text LANGUAGE plpgsql AS $$
	DECLARE r text;
	BEGIN
	    EXECUTE format('SELECT v::text::%s::text FROM dr_%s WHERE label = %L', typ, typ, label) INTO r;
	    RETURN r;
	EXCEPTION WHEN OTHERS THEN RETURN format('ERROR %s: %s', SQLSTATE, SQLERRM);
	END $$;
	SELECT typ, label, t = val, t, val
	FROM (SELECT typ, label, val, pg_temp.text_trip(typ, label) AS t FROM dr_expected) x
	ORDER BY typ, label;
EOF
)

# binary: each value COPYed out and in alone (a server file in $work)
while IFS=$'\t' read -r typ label ok got; do
	if [ "$ok" = t ]; then tap t "$typ \"$label\": binary send output receives back to the same value"
	else tap f "$typ \"$label\": binary send output receives back to the same value" "read back: ${got:0:300}"; fi
done < <(q -F $'\t' -d "$src" -v work="$work" <<-'EOF'
	SELECT set_config('dump_restore.work', :'work', false) \gset
	CREATE FUNCTION pg_temp.binary_trip(typ text, label text) RETURNS text LANGUAGE plpgsql AS $$
	DECLARE
	    path text := current_setting('dump_restore.work') || '/value.bin';
	    r text;
	BEGIN
	    EXECUTE format('COPY (SELECT v FROM dr_%s WHERE label = %L) TO %L WITH (FORMAT binary)', typ, label, path);
	    EXECUTE format('CREATE TEMP TABLE trip (v %s)', typ);
	    EXECUTE format('COPY trip FROM %L WITH (FORMAT binary)', path);
	    SELECT v::text INTO r FROM trip;
	    DROP TABLE trip;
	    RETURN r;
	EXCEPTION WHEN OTHERS THEN RETURN format('ERROR %s: %s', SQLSTATE, SQLERRM);
	END $$;
	SELECT typ, label, b = val, b
	FROM (SELECT typ, label, val, pg_temp.binary_trip(typ, label) AS b FROM dr_expected) x
	ORDER BY typ, label;
EOF
)

# per type: the whole table through COPY, text and binary
while IFS=$'\t' read -r typ format ok detail; do
	if [ "$ok" = t ]; then tap t "dr_$typ: COPY $format out and in gives the same values"
	else tap f "dr_$typ: COPY $format out and in gives the same values" "$detail"; fi
done < <(q -F $'\t' -d "$src" -v work="$work" <<-'EOF'
	SELECT set_config('dump_restore.work', :'work', false) \gset
	CREATE FUNCTION pg_temp.copy_trip(typ text, fmt text) RETURNS text LANGUAGE plpgsql AS $$
	DECLARE
	    path text := current_setting('dump_restore.work') || '/table.' || fmt;
	    missing text;
	BEGIN
	    EXECUTE format('COPY dr_%s TO %L WITH (FORMAT %s)', typ, path, fmt);
	    EXECUTE format('CREATE TEMP TABLE trip (LIKE dr_%s)', typ);
	    EXECUTE format('COPY trip FROM %L WITH (FORMAT %s)', path, fmt);
	    EXECUTE format($q$SELECT string_agg(label, ', ') FROM (
	                      (SELECT label, v::text FROM dr_%s EXCEPT ALL SELECT label, v::text FROM trip)
	                      UNION ALL
	                      (SELECT label, v::text FROM trip EXCEPT ALL SELECT label, v::text FROM dr_%s)) d$q$,
	                   typ, typ) INTO missing;
	    DROP TABLE trip;
	    RETURN coalesce('differing: ' || missing, '');
	EXCEPTION WHEN OTHERS THEN RETURN format('ERROR %s: %s', SQLSTATE, SQLERRM);
	END $$;
	SELECT typ, fmt, r = '', r
	FROM (SELECT typ, fmt, pg_temp.copy_trip(typ, fmt) AS r
	      FROM (SELECT DISTINCT typ FROM dr_expected) t, (VALUES ('text'), ('binary')) f(fmt)) x
	ORDER BY typ, fmt DESC;
EOF
)

# pg_dump -Fc / pg_restore
if pg_dump -Fc -d "$src" -f "$work/dump" 2>"$work/pg_dump.err"; then
	tap t "pg_dump -Fc of a database holding every type's extreme values"
else
	tap f "pg_dump -Fc of a database holding every type's extreme values" "$(cat "$work/pg_dump.err")"
fi
createdb "$dst"
pg_restore -d "$dst" "$work/dump" >"$work/pg_restore.err" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && ! grep -q . "$work/pg_restore.err"; then
	tap t "pg_restore reports no error"
else
	tap f "pg_restore reports no error" "exit status $rc" "$(grep -vE '^\s*$' "$work/pg_restore.err" | cut -c1-300 | head -n 40)"
fi
while IFS=$'\t' read -r typ ok detail; do
	if [ "$ok" = t ]; then tap t "dr_$typ: every value restored with the same text"
	else tap f "dr_$typ: every value restored with the same text" "$detail"; fi
done < <(q -F $'\t' -d "$dst" <<-'EOF'
	CREATE FUNCTION pg_temp.restored(typ text) RETURNS text LANGUAGE plpgsql AS $$
	DECLARE
	    missing text;
	BEGIN
	    EXECUTE format($q$SELECT string_agg(format('%%s "%%s"', side, label), ', ' ORDER BY label, side) FROM (
	                      (SELECT 'lost' AS side, label, val FROM dr_expected WHERE typ = %L
	                       EXCEPT ALL SELECT 'lost', label, v::text FROM dr_%s)
	                      UNION ALL
	                      (SELECT 'changed', label, v::text FROM dr_%s
	                       EXCEPT ALL SELECT 'changed', label, val FROM dr_expected WHERE typ = %L)) d$q$,
	                   typ, typ, typ, typ) INTO missing;
	    RETURN coalesce(missing, '');
	EXCEPTION WHEN OTHERS THEN RETURN format('ERROR %s: %s', SQLSTATE, SQLERRM);
	END $$;
	SELECT typ, r = '', r FROM (SELECT typ, pg_temp.restored(typ) AS r FROM (SELECT DISTINCT typ FROM dr_expected) t) x
	ORDER BY typ;
EOF
)

echo "1..$n"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# `make test`: install what is missing, build and install journey, start a
# throwaway cluster, run pg_regress (sql/ -> expected/), the pgTAP suite
# (test/*.sql via pg_prove: upgrade.sql and stored_values.sql among them),
# the dump/restore and COPY round trips (test/dump_restore.sh), then scan
# the server log for internal errors (SQLSTATE XX000: a
# user-reachable error without a proper code), stop the cluster.  Exits
# non-zero on any failure; the last line counts the tests: "N passed, N
# failed".
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$JOURNEY_ROOT"

journey_setup

regress_passed=0 regress_failed=0 tap_passed=0 tap_failed=0 status=0

journey_log "pg_regress: make installcheck"
if make -s PG_CONFIG="$PG_CONFIG" installcheck >"$JOURNEY_CLUSTER/regress.log" 2>&1; then :; else status=1; fi
cat "$JOURNEY_CLUSTER/regress.log"
regress_total=$(grep -cE '^(ok|not ok) ' "$JOURNEY_CLUSTER/regress.log" || true)
if [ "$regress_total" -eq 0 ]; then
	# pg_regress before 16 prints "test NAME ... ok" lines
	regress_passed=$(grep -cE '^ *(test )?[A-Za-z0-9_]+ +\.\.\. ok' "$JOURNEY_CLUSTER/regress.log" || true)
	regress_failed=$(grep -cE '^ *(test )?[A-Za-z0-9_]+ +\.\.\. FAILED' "$JOURNEY_CLUSTER/regress.log" || true)
fi
if [ "$status" -ne 0 ] && [ -f regression.diffs ]; then
	journey_log "pg_regress differences:"
	head -n 300 regression.diffs
fi

journey_log "pgTAP: pg_prove test/*.sql"
createdb journey_tap
psql -X -q -d journey_tap -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION journey'
export JOURNEY_ROOT
if pg_prove -d journey_tap --ext .sql test/*.sql >"$JOURNEY_CLUSTER/tap.log" 2>&1; then :; else status=1; fi
cat "$JOURNEY_CLUSTER/tap.log"
tap_total=$(sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p' "$JOURNEY_CLUSTER/tap.log")
tap_failed=$(sed -n 's/.*Failed \([0-9]*\)\/[0-9]* subtests.*/\1/p' "$JOURNEY_CLUSTER/tap.log" | awk '{s+=$1} END {print s+0}')
tap_total=${tap_total:-0}
tap_passed=$((tap_total - tap_failed))
if [ "$status" -ne 0 ] && [ "$tap_failed" -eq 0 ]; then
	# a file that died before its plan counts as one failure
	tap_failed=$(grep -cE '(Dubious|No plan found|Bad plan)' "$JOURNEY_CLUSTER/tap.log" || true)
fi

journey_log "pg_dump / pg_restore and COPY round trips: test/dump_restore.sh"
dump_status=0
bash test/dump_restore.sh >"$JOURNEY_CLUSTER/dump_restore.log" 2>&1 || dump_status=1
cat "$JOURNEY_CLUSTER/dump_restore.log"
dump_passed=$(grep -cE '^ok [0-9]+' "$JOURNEY_CLUSTER/dump_restore.log" || true)
dump_failed=$(grep -E '^not ok [0-9]+' "$JOURNEY_CLUSTER/dump_restore.log" | grep -vc '# TODO' || true)
dump_todo=$(grep -cE '^not ok [0-9]+ .*# TODO' "$JOURNEY_CLUSTER/dump_restore.log" || true)
if [ "$dump_status" -ne 0 ]; then
	status=1
	[ "$dump_failed" -eq 0 ] && dump_failed=1   # died before its tests
fi

# Every error any test raised is in the server log with its SQLSTATE
# (log_error_verbosity = verbose, see lib.sh): none may be XX000
# internal_error, what elog(ERROR) gives (a user-reachable error needs an
# ERRCODE).  XX001 data_corrupted is allowed: the tests plant corrupted
# on-disk bytes on purpose, and that is the code for them.  Errors caught inside a test (pgTAP's throws_ok, the
# try() helpers) are not logged: those tests print "ERROR <sqlstate>:".
journey_log "internal errors (SQLSTATE XX000) raised by the tests"
xx_lines=$( { grep -E -A2 '(ERROR|FATAL|PANIC):  XX000:' "$JOURNEY_CLUSTER/server.log" || true
	grep -hE 'ERROR XX000:' "$JOURNEY_CLUSTER/tap.log" "$JOURNEY_CLUSTER/dump_restore.log" || true; } | head -n 60)
scan_errors=$(grep -cE '(ERROR|FATAL|PANIC):  [0-9A-Z]{5}:' "$JOURNEY_CLUSTER/server.log" || true)
if [ -z "$xx_lines" ] && [ "$scan_errors" -gt 0 ]; then
	scan_passed=1 scan_failed=0
	echo "ok - no internal error (XX000) among the $scan_errors errors the tests raised"
else
	scan_passed=0 scan_failed=1 status=1
	if [ "$scan_errors" -eq 0 ]; then
		echo "not ok - the server log shows no SQLSTATE: is log_error_verbosity = verbose set?"
	else
		echo "not ok - internal errors (XX000) raised by the tests:"
		printf '%s\n' "$xx_lines" | sed 's/^/#   /'
	fi
fi

echo
echo "pg_regress:   $regress_passed passed, $regress_failed failed"
echo "pgTAP:        $tap_passed passed, $tap_failed failed"
echo "dump/restore: $dump_passed passed, $dump_failed failed ($dump_todo known failures, # TODO)"
echo "XX scan:      $scan_passed passed, $scan_failed failed"
if [ "$status" -ne 0 ] && [ $((regress_failed + tap_failed + dump_failed + scan_failed)) -eq 0 ]; then
	regress_failed=1   # something failed that the counts did not catch
fi
echo "$((regress_passed + tap_passed + dump_passed + scan_passed)) passed, $((regress_failed + tap_failed + dump_failed + scan_failed)) failed"
exit "$status"

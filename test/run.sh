#!/usr/bin/env bash
# `make test`: install what is missing, build and install journey, start a
# throwaway cluster, run pg_regress (sql/ -> expected/) and the pgTAP suite
# (test/*.sql via pg_prove), stop the cluster.  Exits non-zero on any
# failure; the last line counts the tests: "N passed, N failed".
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

echo
echo "pg_regress: $regress_passed passed, $regress_failed failed"
echo "pgTAP:      $tap_passed passed, $tap_failed failed"
if [ "$status" -ne 0 ] && [ $((regress_failed + tap_failed)) -eq 0 ]; then
	regress_failed=1   # something failed that the counts did not catch
fi
echo "$((regress_passed + tap_passed)) passed, $((regress_failed + tap_failed)) failed"
exit "$status"

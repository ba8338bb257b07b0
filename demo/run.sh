#!/usr/bin/env bash
# `make demo`: install what is missing, build and install journey, start a
# throwaway cluster, load the bundled sample data (data/) and print the
# analytics (demo/*.sql, in order) as tables.  The cluster is removed after.
set -euo pipefail
. "$(dirname "$0")/../test/lib.sh"
cd "$JOURNEY_ROOT"

journey_setup
createdb journey_demo
export PGDATABASE=journey_demo
psql -X -q -c 'CREATE EXTENSION journey'
journey_log "loading the sample data (data/README.md)"
journey_load_sample_data
for f in demo/[0-9]*.sql; do
	psql -X -q -v ON_ERROR_STOP=1 -P pager=off -P footer=off -f "$f"
done

#!/usr/bin/env bash
# Benchmark: experiment_agg over one row per unit (10M units, three arms)
# against the plain-SQL figures it replaces: count(*) FILTER (conversions)
# and avg(value) per variant (the issue's target: within 1.3x), and the
# same with var_samp (what the t-test needs) and with the pre-period
# moments of CUPED (avg, var_samp, covar_samp of pre_value).  The floor is
# SELECT variant, count(*) GROUP BY variant over the same rows.
#
#   bash bench/experiment.sh              10M units
#   SCALE=0.05 bash bench/experiment.sh   500k units
#
# Then driver_agg over the same units as customers with three features
# each (one of 4 channels, one of 3 plans, "opened" for a third) against
# the plain-SQL count per feature (unnest + GROUP BY with count FILTER).
#
# Each query runs 3 times; the best EXPLAIN ANALYZE execution time counts.
# The script checks that the units, conversions and means agree with plain
# SQL before it prints the ratios.  Parallel query is on for both sides
# (max_parallel_workers_per_gather = 2).
set -euo pipefail
. "$(dirname "$0")/../test/lib.sh"
SCALE=${SCALE:-1}
journey_bench_setup 1GB 256MB

units=$(awk "BEGIN {printf \"%d\", 10000000 * $SCALE}")
journey_log "generating $units units"
psql -X -q >/dev/null <<SQL
SELECT setseed(0.81);
CREATE TABLE units AS
SELECT id, (ARRAY['control', 'new_copy', 'short_copy'])[1 + (id % 3)] AS variant,
       random() < 0.1 + 0.01 * (id % 3) AS converted,
       round(exp(3 + sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()))::numeric, 2)::float8 AS value,
       round((random() * 200)::numeric, 2)::float8 AS pre,
       ARRAY['channel:' || (ARRAY['ads', 'organic', 'referral', 'partner'])[1 + id % 4],
             'plan:' || (ARRAY['free', 'pro', 'team'])[1 + (id / 4) % 3],
             CASE WHEN random() < 0.33 THEN 'opened' END] AS features
FROM generate_series(1, $units) id;
VACUUM ANALYZE units;
SQL

floor_q="SELECT variant, count(*) FROM units GROUP BY variant"
conv_sql="SELECT variant, count(*), count(*) FILTER (WHERE converted) FROM units GROUP BY variant"
conv_ours="SELECT experiment_agg(variant, converted) FROM units"
avg_sql="SELECT variant, count(*), count(*) FILTER (WHERE converted), avg(value) FROM units GROUP BY variant"
var_sql="SELECT variant, count(*), count(*) FILTER (WHERE converted), avg(value), var_samp(value) FROM units GROUP BY variant"
val_ours="SELECT experiment_agg(variant, converted, value) FROM units"
cuped_sql="SELECT variant, count(*), count(*) FILTER (WHERE converted), avg(value), var_samp(value),
       avg(pre), var_samp(pre), covar_samp(value, pre) FROM units GROUP BY variant"
cuped_ours="SELECT experiment_agg(variant, converted, value, pre) FROM units"

differing=$(psql -X -At -c "SELECT count(*) FROM experiment_report(($cuped_ours), 'control') r
                            JOIN ($cuped_sql) q(variant, n, c, m) USING (variant)
                            WHERE r.n <> q.n OR r.conversions <> q.c OR abs(r.mean_value - q.m) > 1e-12 * abs(q.m)")
journey_log "variants whose units, conversions or mean differ from plain SQL: $differing (must be 0)"
[ "$differing" = 0 ] || { journey_log "MISMATCH"; exit 1; }
size=$(psql -X -At -c "SELECT pg_column_size(e) || ' bytes, ' || length(e::text) || ' bytes as text' FROM ($cuped_ours) s(e)")
journey_log "experiment value (3 arms, value and pre_value): $size"

drv_ours="SELECT driver_agg(converted, features) FROM units"
drv_sql="SELECT f, count(*), count(*) FILTER (WHERE converted) FROM units, unnest(features) f WHERE f IS NOT NULL GROUP BY f"
drv_differ=$(psql -X -At -c "SELECT count(*) FROM driver_report(($drv_ours), 0) r FULL JOIN ($drv_sql) q(feature, w, c) USING (feature)
                             WHERE r.with_feature IS DISTINCT FROM q.w OR r.converted_with IS DISTINCT FROM q.c")
journey_log "features whose counts differ from plain SQL: $drv_differ (must be 0)"
[ "$drv_differ" = 0 ] || { journey_log "MISMATCH"; exit 1; }

floor_ms=$(best_ms "$floor_q")
conv_sql_ms=$(best_ms "$conv_sql")
conv_ours_ms=$(best_ms "$conv_ours")
avg_sql_ms=$(best_ms "$avg_sql")
var_sql_ms=$(best_ms "$var_sql")
val_ours_ms=$(best_ms "$val_ours")
cuped_sql_ms=$(best_ms "$cuped_sql")
cuped_ours_ms=$(best_ms "$cuped_ours")
drv_sql_ms=$(best_ms "$drv_sql")
drv_ours_ms=$(best_ms "$drv_ours")

ratio() { awk "BEGIN {printf \"%.2f\", $1 / $2}"; }
printf '\n%-70s %9s %9s\n' "experiment over $units units, 3 arms" "ms" "ratio"
printf '%-70s %9.0f\n' "floor: count(*) GROUP BY variant" "$floor_ms"
printf '%-70s %9.0f\n' "plain SQL: count(*), count(*) FILTER (WHERE converted)" "$conv_sql_ms"
printf '%-70s %9.0f %8sx\n' "journey: experiment_agg(variant, converted)" "$conv_ours_ms" "$(ratio "$conv_ours_ms" "$conv_sql_ms")"
printf '%-70s %9.0f\n' "plain SQL: ... + avg(value)" "$avg_sql_ms"
printf '%-70s %9.0f\n' "plain SQL: ... + avg(value), var_samp(value)" "$var_sql_ms"
printf '%-70s %9.0f %8sx\n' "journey: experiment_agg(variant, converted, value) vs + avg" "$val_ours_ms" "$(ratio "$val_ours_ms" "$avg_sql_ms")"
printf '%-70s %9s %8sx\n' "journey: experiment_agg(variant, converted, value) vs + avg, var_samp" "" "$(ratio "$val_ours_ms" "$var_sql_ms")"
printf '%-70s %9.0f\n' "plain SQL: ... + avg, var_samp of pre, covar_samp(value, pre)" "$cuped_sql_ms"
printf '%-70s %9.0f %8sx\n' "journey: experiment_agg(variant, converted, value, pre)" "$cuped_ours_ms" "$(ratio "$cuped_ours_ms" "$cuped_sql_ms")"
printf '%-70s %9.0f\n' "plain SQL: unnest(features), count(*), count(*) FILTER, GROUP BY" "$drv_sql_ms"
printf '%-70s %9.0f %8sx\n' "journey: driver_agg(converted, features)" "$drv_ours_ms" "$(ratio "$drv_ours_ms" "$drv_sql_ms")"

#!/usr/bin/env bash
# Benchmark: the sales pipeline.  pipeline_path per deal, and
# pipeline_path + pipeline (the whole report as of a time), over
# generated stage-change history, against the GROUP BY floor over the
# same rows; then pipeline alone over stored paths.
#
#   bash bench/pipeline.sh              5M stage rows over 1M deals
#   SCALE=0.1 bash bench/pipeline.sh    500k stage rows over 100k deals
#
# Each query runs 3 times; the best EXPLAIN ANALYZE execution time counts
# (no result transfer to the client).  Target: pipeline_path + pipeline
# at most 1.5x the floor.  The script checks first that every deal is
# counted once and that the stage counts add up.
set -euo pipefail
. "$(dirname "$0")/../test/lib.sh"
SCALE=${SCALE:-1}
journey_bench_setup 2GB 1GB

deals=$(awk "BEGIN {printf \"%d\", 1000000 * $SCALE}")
journey_log "generating about $((deals * 5)) stage rows over $deals deals"
psql -X -q <<SQL
SELECT setseed(0.5);
-- 1 to 9 rows per deal (5 on average) over about 60 days, in random
-- order; stages 1..5 (lead, qualified, demo, proposal, won) mostly going
-- up, with skips and moves back; three deals in ten end in a loss
CREATE TABLE stage_rows AS
SELECT deal, entered_at, stage, lost
FROM (SELECT d AS deal,
             timestamptz '2026-01-01' + ((d % 60) + i * 2 + random() * 3) * interval '1 day' AS entered_at,
             least(5, 1 + floor((i - 1) * 0.7 + random() * 1.3))::int AS stage,
             i = n AND random() < 0.3 AS lost
      FROM (SELECT d, 1 + floor(random() * 9)::int AS n FROM generate_series(1, $deals) d) g,
           LATERAL generate_series(1, g.n) i) x
ORDER BY random();
VACUUM ANALYZE stage_rows;
CREATE TABLE paths AS SELECT deal, pipeline_path(entered_at, stage, lost) AS p FROM stage_rows GROUP BY deal;
VACUUM ANALYZE paths;
SQL
rows=$(psql -X -At -c "SELECT count(*) FROM stage_rows")

as_of="timestamptz '2026-04-01'"
floor_q="SELECT deal, count(*), max(entered_at) FROM stage_rows GROUP BY deal"
# the same, reading every column pipeline_path reads (deforming stage and
# lost costs too): where the rest of the time goes
floor4_q="SELECT deal, count(*), max(entered_at), max(stage), bool_or(lost) FROM stage_rows GROUP BY deal"
path_q="SELECT deal, pipeline_path(entered_at, stage, lost) FROM stage_rows GROUP BY deal"
report_q="SELECT pipeline(p, $as_of) FROM (SELECT deal, pipeline_path(entered_at, stage, lost) AS p FROM stage_rows GROUP BY deal) s"
rollup_q="SELECT pipeline(p, $as_of) FROM paths"

check=$(psql -X -At <<SQL
SELECT format('%s deals counted of %s; open + lost = %s', num_deals(pl), (SELECT count(DISTINCT deal) FROM stage_rows),
              (SELECT sum(in_stage_now + lost) FROM pipeline_stages(pl)))
FROM ($report_q) x(pl)
SQL
)
journey_log "$check"
psql -X -c "SELECT stage, entered, in_stage_now, moved_on, lost, round(conversion_to_next::numeric, 3) AS conversion,
                   median_time_in_stage, p90_time_in_stage, median_age_in_stage_now
            FROM pipeline_stages(($report_q))"

floor_ms=$(best_ms "$floor_q")
floor4_ms=$(best_ms "$floor4_q")
path_ms=$(best_ms "$path_q")
report_ms=$(best_ms "$report_q")
rollup_ms=$(best_ms "$rollup_q")

printf '\n%-62s %10s %8s\n' "sales pipeline, $rows stage rows / $deals deals" "ms" "ratio"
printf '%-62s %10.0f %8s\n' "floor: GROUP BY deal, count(*), max(entered_at)" "$floor_ms" "1.00"
printf '%-62s %10.0f %8.2f\n' "floor reading all 4 columns: ..., max(stage), bool_or(lost)" "$floor4_ms" "$(awk "BEGIN {print $floor4_ms / $floor_ms}")"
printf '%-62s %10.0f %8.2f\n' "journey: pipeline_path(entered_at, stage, lost) per deal" "$path_ms" "$(awk "BEGIN {print $path_ms / $floor_ms}")"
printf '%-62s %10.0f %8.2f\n' "journey: pipeline(pipeline_path(...), as_of) (target <= 1.5)" "$report_ms" "$(awk "BEGIN {print $report_ms / $floor_ms}")"
printf '%-62s %10.0f %8.2f\n' "journey: pipeline(p, as_of) over $deals stored paths" "$rollup_ms" "$(awk "BEGIN {print $rollup_ms / $floor_ms}")"

#!/usr/bin/env bash
# Benchmark: fitting BG/NBD and Gamma-Gamma in the database.
#
#   bash bench/clv.sh             CDNOW + 1M simulated customers
#   SCALE=0.1 bash bench/clv.sh   CDNOW + 100k simulated customers
#
# 1. CDNOW (2,357 customers): clv_inputs from the 6,919 transactions, and
#    both fits; best of 3 EXPLAIN ANALYZE execution times.
# 2. A population simulated from known parameters (BG/NBD r = 0.5,
#    alpha = 4, a = 0.8, b = 2.5; Gamma-Gamma p = 6, q = 4, gamma = 15;
#    purchases on whole days, observed 26 to 52 weeks, in weeks): the
#    fit's time against the scan floor, the parameters it recovers, and
#    its log-likelihood checked against a plain-SQL implementation.
set -euo pipefail
. "$(dirname "$0")/../test/lib.sh"
SCALE=${SCALE:-1}
journey_bench_setup 1GB 256MB
journey_load_sample_data

journey_log "CDNOW"
cd_inputs=$(best_ms "SELECT sample_id, clv_inputs(day::timestamp AT TIME ZONE 'UTC', amount, '1997-09-30 00:00+00', '1 day') FROM cdnow_transactions GROUP BY sample_id")
cd_bgnbd=$(best_ms "SELECT bgnbd_fit(x, t_x, t) FROM cdnow_summary")
cd_gg=$(best_ms "SELECT gamma_gamma_fit(x, zbar) FROM cdnow_summary")
cd_model=$(psql -X -At -c "SELECT bgnbd_fit(x, t_x, t) || ' ' || gamma_gamma_fit(x, zbar) FROM cdnow_summary")

customers=$(awk "BEGIN {printf \"%d\", 1000000 * $SCALE}")
journey_log "simulating $customers customers from known parameters"
sim_start=$(date +%s)
psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE FUNCTION rgamma(shape float8, scale float8) RETURNS float8 LANGUAGE plpgsql AS \$\$
DECLARE d float8; c float8; z float8; v float8; u float8; boost float8 := 1;
BEGIN
  IF shape < 1 THEN boost := random() ^ (1 / shape); shape := shape + 1; END IF;
  d := shape - 1.0 / 3; c := 1 / sqrt(9 * d);
  LOOP
    z := sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random());
    v := (1 + c * z) ^ 3;
    CONTINUE WHEN v <= 0;
    u := random();
    EXIT WHEN ln(1 - u) < 0.5 * z * z + d - d * v + d * ln(v);
  END LOOP;
  RETURN d * v * scale * boost;
END \$\$;
-- a BG/NBD customer: purchases at rate lambda per week, drops out after
-- each repeat purchase with probability p; times recorded on whole days
CREATE FUNCTION bgnbd_customer(lambda float8, p float8, tt float8, OUT x int, OUT tx float8) LANGUAGE plpgsql AS \$\$
DECLARE now_t float8 := 0;
BEGIN
  x := 0; tx := 0;
  LOOP
    now_t := now_t - ln(1 - random()) / lambda;
    EXIT WHEN now_t > tt;
    x := x + 1; tx := floor(now_t * 7) / 7;
    EXIT WHEN random() < p;
  END LOOP;
END \$\$;
SELECT setseed(0.2026) \g /dev/null
CREATE TABLE sim AS
SELECT i, c.x, c.tx, tt,
       CASE WHEN c.x > 0 THEN (SELECT avg(rgamma(6, 1 / nu) + 0 * g) FROM generate_series(1, c.x) g) END AS m
FROM (SELECT i, rgamma(0.5, 1.0 / 4) AS lambda, rgamma(0.8, 1) AS ga, rgamma(2.5, 1) AS gb,
             rgamma(4, 1.0 / 15) AS nu, (182 + (i::bigint * 7919) % 183) / 7.0 AS tt
      FROM generate_series(1, $customers) i) s,
     LATERAL bgnbd_customer(lambda, ga / (ga + gb), tt) c;
VACUUM ANALYZE sim;
SQL
journey_log "simulated in $(( $(date +%s) - sim_start )) s"

floor_ms=$(best_ms "SELECT count(*), sum(x), sum(tx), sum(tt) FROM sim")
fit_ms=$(best_ms "SELECT bgnbd_fit(x, tx, tt) FROM sim")
gg_ms=$(best_ms "SELECT gamma_gamma_fit(x, m) FROM sim")
state_bytes=$(psql -X -At -c "SELECT pg_column_size(bgnbd_data(x, tx, tt)) FROM sim")
distinct=$(psql -X -At -c "SELECT count(*) FROM (SELECT DISTINCT x, tx, tt FROM sim) d")

# the reported log-likelihood against a plain-SQL BG/NBD likelihood at the
# fitted parameters (integer x: the gamma ratios are products), on the
# grid cells' centres when the fit used a grid
ll_check=$(psql -X -At <<'SQL'
WITH m AS (SELECT bgnbd_fit(x, tx, tt) AS m FROM sim),
p AS (SELECT max(value) FILTER (WHERE name = 'r') r, max(value) FILTER (WHERE name = 'alpha') al,
             max(value) FILTER (WHERE name = 'a') a, max(value) FILTER (WHERE name = 'b') b,
             max(value) FILTER (WHERE name = 'log_likelihood') ll, max(value) FILTER (WHERE name = 'grid') grid
      FROM m, clv_params(m)),
-- on a grid the fit sees each (t_x, T) at the centre of its cell
g AS (SELECT x, CASE WHEN p.grid IS NULL OR x = 0 THEN tx ELSE (floor(tx / p.grid) + 0.5) * p.grid END AS tx,
             CASE WHEN p.grid IS NULL THEN tt ELSE (floor(tt / p.grid) + 0.5) * p.grid END AS tt, count(*) AS n
      FROM sim, p GROUP BY 1, 2, 3)
SELECT round(p.ll::numeric, 2) || ' ' || round(sum(g.n * (
         (SELECT coalesce(sum(ln(p.r + k) + ln(p.b + k) - ln(p.a + p.b + k)), 0) FROM generate_series(0, g.x - 1) k)
         + p.r * ln(p.al)
         + ln(exp(-(p.r + g.x) * ln(p.al + g.tt))
              + CASE WHEN g.x > 0 THEN exp(ln(p.a) - ln(p.b + g.x - 1) - (p.r + g.x) * ln(p.al + g.tx)) ELSE 0 END)))::numeric, 2)
       || ' ' || coalesce(p.grid::text, 'none')
FROM p, g GROUP BY p.ll, p.grid;
SQL
)
read -r ll_ours ll_plain grid <<<"$ll_check"
journey_log "log-likelihood: ours $ll_ours, plain SQL at the same parameters $ll_plain (grid: $grid)"

params=$(psql -X -At -F ' | ' <<'SQL'
WITH f AS (SELECT bgnbd_fit(x, tx, tt) AS b, gamma_gamma_fit(x, m) AS g FROM sim)
SELECT c.name, t.truth, round(c.value::numeric, 4), round((100 * (c.value / t.truth - 1))::numeric, 1) || '%'
FROM f, LATERAL (SELECT * FROM clv_params(f.b) UNION ALL SELECT * FROM clv_params(f.g)) c
JOIN (VALUES ('r', 0.5), ('alpha', 4), ('a', 0.8), ('b', 2.5), ('p', 6), ('q', 4), ('gamma', 15)) t(name, truth) USING (name);
SQL
)

echo
echo "CDNOW (2,357 customers, 6,919 transactions), best of 3:"
printf '  %-46s %10s ms\n' "clv_inputs per customer (6,919 transactions)" "$cd_inputs" \
	"bgnbd_fit (2,357 customers)" "$cd_bgnbd" "gamma_gamma_fit (946 repeat buyers)" "$cd_gg"
echo "  models: $cd_model"
echo
echo "Simulated population: $customers customers, $distinct distinct (x, t_x, T), best of 3:"
printf '  %-46s %10s ms\n' "scan floor: count/sum over the table" "$floor_ms" \
	"bgnbd_fit" "$fit_ms" "gamma_gamma_fit" "$gg_ms"
printf '  %-46s %10s\n' "bgnbd_fit / floor" "$(awk "BEGIN {printf \"%.1fx\", $fit_ms / $floor_ms}")" \
	"state size (bytes)" "$state_bytes" "grid used (periods)" "$grid" \
	"log-likelihood ours / plain SQL" "$ll_ours / $ll_plain"
echo
echo "  parameter | truth | fitted | error"
echo "$params" | sed 's/^/  /'
[ "$ll_ours" = "$ll_plain" ] || { journey_log "log-likelihood MISMATCH"; exit 1; }

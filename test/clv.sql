-- Properties of clv_inputs, the BG/NBD and Gamma-Gamma fits and the
-- predictions, against reference implementations written here in SQL.
BEGIN;
SELECT plan(20);

-- lgamma for x > 0 (PostgreSQL 15 has none): shift to x >= 15, then Stirling
CREATE FUNCTION pg_temp.ref_lgamma(x float8) RETURNS float8 LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE s float8 := 0;
BEGIN
  WHILE x < 15 LOOP s := s - ln(x); x := x + 1; END LOOP;
  RETURN s + (x - 0.5) * ln(x) - x + 0.5 * ln(2 * pi()) + 1 / (12 * x) - 1 / (360 * x ^ 3) + 1 / (1260 * x ^ 5);
END $$;

-- BG/NBD log-likelihood of one customer, straight from the paper
CREATE FUNCTION pg_temp.ref_bgnbd_ll(r float8, alpha float8, a float8, b float8, x float8, tx float8, tt float8)
RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
  SELECT pg_temp.ref_lgamma(r + x) - pg_temp.ref_lgamma(r) + r * ln(alpha)
       + pg_temp.ref_lgamma(a + b) + pg_temp.ref_lgamma(b + x) - pg_temp.ref_lgamma(b) - pg_temp.ref_lgamma(a + b + x)
       + ln(exp(-(r + x) * ln(alpha + tt))
            + CASE WHEN x > 0 THEN exp(ln(a) - ln(b + x - 1) - (r + x) * ln(alpha + tx)) ELSE 0 END)
$$;

-- Gamma-Gamma log-likelihood of one repeat buyer (as lifetimes writes it)
CREATE FUNCTION pg_temp.ref_gg_ll(p float8, q float8, g float8, x float8, m float8)
RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
  SELECT pg_temp.ref_lgamma(p * x + q) - pg_temp.ref_lgamma(p * x) - pg_temp.ref_lgamma(q) + q * ln(g)
       + (p * x - 1) * ln(m) + p * x * ln(x) - (p * x + q) * ln(g + x * m)
$$;

-- Conditional expected purchases with the plain Gauss series of 2F1 (no
-- Euler transform), valid for z < 1
CREATE FUNCTION pg_temp.ref_expected(r float8, alpha float8, a float8, b float8, t float8, x float8, tx float8, tt float8)
RETURNS float8 LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  z float8 := t / (alpha + tt + t);
  aa float8 := r + x; bb float8 := b + x; cc float8 := a + b + x - 1;
  term float8 := 1; s float8 := 1; n int := 0;
BEGIN
  LOOP
    term := term * (aa + n) * (bb + n) / ((cc + n) * (n + 1)) * z;
    s := s + term; n := n + 1;
    EXIT WHEN abs(term) < 1e-16 * abs(s) OR n > 100000;
  END LOOP;
  RETURN (a + b + x - 1) / (a - 1) * (1 - s * ((alpha + tt) / (alpha + tt + t)) ^ (r + x))
       / (1 + CASE WHEN x > 0 THEN a / (b + x - 1) * ((alpha + tt) / (alpha + tx)) ^ (r + x) ELSE 0 END);
END $$;

-- Gamma variates (Marsaglia-Tsang), to simulate customers from known parameters
CREATE FUNCTION pg_temp.rgamma(shape float8, scale float8) RETURNS float8 LANGUAGE plpgsql AS $$
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
END $$;

-- One BG/NBD customer observed for tt periods: purchases at rate lambda,
-- dropping out after each repeat purchase with probability p.
CREATE FUNCTION pg_temp.bgnbd_customer(lambda float8, p float8, tt float8, OUT x int, OUT tx float8)
LANGUAGE plpgsql AS $$
DECLARE now_t float8 := 0;
BEGIN
  x := 0; tx := 0;
  LOOP
    now_t := now_t - ln(1 - random()) / lambda;
    EXIT WHEN now_t > tt;
    x := x + 1; tx := now_t;
    EXIT WHEN random() < p;
  END LOOP;
END $$;

SELECT setseed(0.4242);
CREATE TEMP TABLE sim AS
SELECT i, c.x, c.tx, tt
FROM (SELECT i, pg_temp.rgamma(0.5, 1.0 / 4) AS lambda,
             pg_temp.rgamma(0.8, 1) AS ga, pg_temp.rgamma(2.5, 1) AS gb, 26 + (i % 27) AS tt
      FROM generate_series(1, 4000) i) s,
     LATERAL pg_temp.bgnbd_customer(lambda, ga / (ga + gb), tt) c;
CREATE TEMP TABLE fit AS SELECT bgnbd_fit(x, tx, tt) AS m FROM sim;
CREATE TEMP TABLE fp AS SELECT name, value FROM fit, clv_params(m);

-- 1. the log-likelihood the fit reports is the paper's, at its parameters
SELECT cmp_ok(abs((SELECT value FROM fp WHERE name = 'log_likelihood') -
                  (SELECT sum(pg_temp.ref_bgnbd_ll(r.value, al.value, a.value, b.value, x, tx, tt))
                   FROM sim, fp r, fp al, fp a, fp b
                   WHERE r.name = 'r' AND al.name = 'alpha' AND a.name = 'a' AND b.name = 'b')),
              '<', 1e-6::float8, 'BG/NBD log-likelihood matches the reference implementation');

-- 2. it is a maximum: moving any parameter 2% either way lowers the likelihood
SELECT is_empty($$
  WITH p AS (SELECT max(value) FILTER (WHERE name = 'r') r, max(value) FILTER (WHERE name = 'alpha') al,
                    max(value) FILTER (WHERE name = 'a') a, max(value) FILTER (WHERE name = 'b') b,
                    max(value) FILTER (WHERE name = 'log_likelihood') ll FROM fp),
       d(i, f) AS (SELECT i, f FROM generate_series(1, 4) i, (VALUES (0.98), (1.02)) f(f))
  SELECT d.i, d.f FROM p, d
  WHERE (SELECT sum(pg_temp.ref_bgnbd_ll(p.r * CASE d.i WHEN 1 THEN d.f ELSE 1 END,
                                         p.al * CASE d.i WHEN 2 THEN d.f ELSE 1 END,
                                         p.a * CASE d.i WHEN 3 THEN d.f ELSE 1 END,
                                         p.b * CASE d.i WHEN 4 THEN d.f ELSE 1 END, x, tx, tt)) FROM sim) >= p.ll
$$, 'BG/NBD fit is a local maximum of the likelihood');

-- 3. parameters come back near the truth (r 0.5, alpha 4, a 0.8, b 2.5)
SELECT ok((SELECT bool_and(abs(value / truth - 1) < 0.35) FROM fp JOIN (VALUES ('r', 0.5), ('alpha', 4), ('a', 0.8), ('b', 2.5)) t(name, truth) USING (name)),
          'BG/NBD recovers the simulated parameters within 35% on 4,000 customers');

-- 4. the fit does not depend on row order or on how the rows are split
SELECT is((SELECT clv_fit(rollup(d))::text FROM (SELECT bgnbd_data(x, tx, tt) d FROM sim GROUP BY i % 13) s),
          (SELECT m::text FROM fit), 'merging 13 partial states gives the same model');
SELECT is((SELECT bgnbd_fit(x, tx, tt ORDER BY random())::text FROM sim), (SELECT m::text FROM fit),
          'shuffled input gives the same model');

-- 5. conditional expectation against the plain hypergeometric series
SELECT is_empty($$
  SELECT x, tx, tt, h FROM sim, fit, fp r, fp al, fp a, fp b, (VALUES (1), (13), (52)) hz(h)
  WHERE r.name = 'r' AND al.name = 'alpha' AND a.name = 'a' AND b.name = 'b' AND i % 40 = 0
    AND abs(expected_purchases(m, h, x, tx, tt) - pg_temp.ref_expected(r.value, al.value, a.value, b.value, h, x, tx, tt))
        > 1e-9 * greatest(1, expected_purchases(m, h, x, tx, tt))
$$, 'expected_purchases matches the plain 2F1 series');

-- 6. predictions are well behaved: E(0) = 0, E grows with the horizon,
-- 0 <= P(alive) <= 1, P(alive) = 1 without repeat purchases
SELECT is_empty($$
  SELECT x, tx, tt FROM sim, fit WHERE i % 10 = 0 AND NOT (
    expected_purchases(m, 0, x, tx, tt) = 0
    AND expected_purchases(m, 5, x, tx, tt) < expected_purchases(m, 10, x, tx, tt)
    AND probability_alive(m, x, tx, tt) BETWEEN 0 AND 1
    AND (x > 0 OR probability_alive(m, x, tx, tt) = 1))
$$, 'E(0) = 0, E increasing, P(alive) in [0, 1] and 1 at x = 0');

-- 7. undiscounted CLV telescopes to value x expected purchases; discount lowers it
SELECT is_empty($$
  SELECT x, tx, tt FROM sim, fit WHERE i % 50 = 0 AND NOT (
    abs(customer_lifetime_value(m, 'gamma_gamma(p=6,q=4,gamma=15)', x, tx, tt, 20, 26, 0)
        - expected_avg_value('gamma_gamma(p=6,q=4,gamma=15)', x, 20) * expected_purchases(m, 26, x, tx, tt)) < 1e-9
    AND customer_lifetime_value(m, 'gamma_gamma(p=6,q=4,gamma=15)', x, tx, tt, 20, 26, 0.01)
        <= customer_lifetime_value(m, 'gamma_gamma(p=6,q=4,gamma=15)', x, tx, tt, 20, 26, 0))
$$, 'CLV without discount is value times expected purchases; discounting lowers it');

-- 8. Gamma-Gamma: simulated spends, likelihood checked against the reference
CREATE TEMP TABLE gsim AS
SELECT i, x, (SELECT avg(pg_temp.rgamma(6, 1 / nu) + 0 * g) FROM generate_series(1, x) g) AS m
FROM (SELECT i, 1 + (i % 6) AS x, pg_temp.rgamma(4, 1.0 / 15) AS nu FROM generate_series(1, 1500) i) s;
CREATE TEMP TABLE gfit AS SELECT gamma_gamma_fit(x, m) AS g FROM gsim;
CREATE TEMP TABLE gp AS SELECT name, value FROM gfit, clv_params(g);
SELECT cmp_ok(abs((SELECT value FROM gp WHERE name = 'log_likelihood') -
                  (SELECT sum(pg_temp.ref_gg_ll(p.value, q.value, g.value, x, m)) FROM gsim, gp p, gp q, gp g
                   WHERE p.name = 'p' AND q.name = 'q' AND g.name = 'gamma')),
              '<', 1e-6::float8, 'Gamma-Gamma log-likelihood matches the reference implementation');
SELECT is_empty($$
  WITH p AS (SELECT max(value) FILTER (WHERE name = 'p') p, max(value) FILTER (WHERE name = 'q') q,
                    max(value) FILTER (WHERE name = 'gamma') g, max(value) FILTER (WHERE name = 'log_likelihood') ll FROM gp),
       d(i, f) AS (SELECT i, f FROM generate_series(1, 3) i, (VALUES (0.98), (1.02)) f(f))
  SELECT d.i, d.f FROM p, d
  WHERE (SELECT sum(pg_temp.ref_gg_ll(p.p * CASE d.i WHEN 1 THEN d.f ELSE 1 END,
                                      p.q * CASE d.i WHEN 2 THEN d.f ELSE 1 END,
                                      p.g * CASE d.i WHEN 3 THEN d.f ELSE 1 END, x, m)) FROM gsim) >= p.ll
$$, 'Gamma-Gamma fit is a local maximum of the likelihood');
SELECT ok((SELECT bool_and(abs(value / truth - 1) < 0.35) FROM gp JOIN (VALUES ('p', 6), ('q', 4), ('gamma', 15)) t(name, truth) USING (name)),
          'Gamma-Gamma recovers the simulated parameters within 35%');
SELECT is((SELECT gamma_gamma_fit(x, m ORDER BY i DESC)::text FROM gsim), (SELECT g::text FROM gfit),
          'Gamma-Gamma fit does not depend on row order');

-- 9. clv_inputs against a plain-SQL reference on random transactions
CREATE TEMP TABLE tx AS
SELECT (random() * 300)::int AS customer, timestamptz '2024-01-01' + random() * interval '200 days' AS ts,
       round((random() * 100)::numeric, 2) AS amount
FROM generate_series(1, 3000);
SELECT is_empty($$
  WITH mine AS (
    SELECT customer, (clv_inputs(ts, amount, '2024-06-01', '3 days')).* FROM tx GROUP BY customer),
  firsts AS (SELECT customer, min(ts) AS first FROM tx WHERE ts <= '2024-06-01' GROUP BY customer),
  periods AS (
    SELECT customer, floor(extract(epoch FROM ts - first) / (3 * 86400))::int AS k, sum(amount) AS amount
    FROM tx JOIN firsts USING (customer) WHERE ts <= '2024-06-01' GROUP BY 1, 2),
  ref AS (
    SELECT p.customer, (count(*) - 1)::int AS frequency, max(k)::float8 AS recency,
           floor(extract(epoch FROM timestamptz '2024-06-01' - min(f.first)) / (3 * 86400))::float8 AS t,
           coalesce(trim_scale(sum(amount) FILTER (WHERE k > 0) / nullif(count(*) - 1, 0)), 0) AS monetary
    FROM periods p JOIN firsts f USING (customer) GROUP BY p.customer)
  (SELECT * FROM mine WHERE frequency IS NOT NULL EXCEPT SELECT * FROM ref)
  UNION ALL (SELECT * FROM ref EXCEPT SELECT * FROM mine)
$$, 'clv_inputs matches the plain-SQL definition');

-- 10. bounded state: 36,000 customers with continuous recency and age
-- exceed 32,768 distinct tuples, so a grid is used; it does not depend on
-- how the rows are split
CREATE TEMP TABLE big AS
SELECT i, c.x, c.tx, tt
FROM (SELECT i, pg_temp.rgamma(0.5, 1.0 / 4) AS lambda,
             pg_temp.rgamma(0.8, 1) AS ga, pg_temp.rgamma(2.5, 1) AS gb, 26 + random() * 26 AS tt
      FROM generate_series(1, 36000) i) s,
     LATERAL pg_temp.bgnbd_customer(lambda, ga / (ga + gb), tt) c;
CREATE TEMP TABLE bigfit AS SELECT bgnbd_fit(x, tx, tt) AS m FROM big;
SELECT ok((SELECT value > 0 AND value < 1 FROM bigfit, clv_params(m) WHERE name = 'grid'),
          'more than 32,768 distinct tuples: the fit reports its grid (a power of two below one period)');
SELECT is((SELECT clv_fit(rollup(d))::text FROM (SELECT bgnbd_data(x, tx, tt) d FROM big GROUP BY i % 3) s),
          (SELECT m::text FROM bigfit), 'the grid is the same however the rows are split');
SELECT cmp_ok((SELECT length(bgnbd_data(x, tx, tt)::text) FROM big), '<', 32768 * 64,
              'the state stays bounded');

-- 11. bad input, with SQLSTATEs
SELECT throws_ok($$SELECT bgnbd_fit(x, tx + 1000, tt) FROM sim$$, '22023', 'recency must not exceed t');
SELECT throws_ok($$SELECT 'bgnbd(r=1,alpha=1,a=1,b=inf)'::clv_model$$, '22P02');
SELECT throws_ok($$SELECT expected_purchases('gamma_gamma(p=1,q=2,gamma=3)', 1, 1, 1, 2)$$, '22023',
                 'expected_purchases needs a bgnbd model, not gamma_gamma');
SELECT throws_ok($$SELECT customer_lifetime_value('bgnbd(r=1,alpha=1,a=1,b=1)', 'gamma_gamma(p=1,q=2,gamma=3)', 1, 1, 2, 10, 12, -1)$$,
                 '22023', 'discount_rate must be a finite number greater than -1');

SELECT * FROM finish();
ROLLBACK;

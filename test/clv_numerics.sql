-- clv numerics and value round trips (issue 9): the BG/NBD predictions
-- against a 60-digit numeric reference computed here, sanity bounds over
-- a grid of models, proper SQLSTATEs, and in(out(x)) = x / recv(send(x)) = x
-- for values the aggregates produce from extreme inputs.
BEGIN;
SELECT plan(28);

-- binary input through a crafted COPY BINARY file (as sql/setup.sql's test_recv)
CREATE FUNCTION pg_temp.test_recv(typ regtype, payload bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    path text := current_setting('data_directory') || '/journey_tap_recv.bin';
    lo oid;
    result text;
BEGIN
    lo := lo_from_bytea(0, '\x5047434f50590aff0d0a00'::bytea || '\x0000000000000000'::bytea
                           || '\x0001'::bytea || int4send(length(payload)) || payload || '\xffff'::bytea);
    PERFORM lo_export(lo, path);
    PERFORM lo_unlink(lo);
    EXECUTE format('CREATE TEMP TABLE test_recv_target (v %s)', typ);
    EXECUTE format('COPY test_recv_target FROM %L WITH (FORMAT binary)', path);
    SELECT v::text INTO result FROM test_recv_target;
    DROP TABLE test_recv_target;
    RETURN result;
END $$;

-- x / y to 60 decimals (numeric division keeps only ~16 significant
-- digits unless the dividend carries more decimals)
CREATE FUNCTION pg_temp.qdiv(x numeric, y numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
  SELECT round(round(x, 70) / y, 60)
$$;

-- x / y to 60 significant digits, also for tiny or huge quotients
CREATE FUNCTION pg_temp.rdiv(x numeric, y numeric) RETURNS numeric LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE k int;
BEGIN
  IF x = 0 THEN RETURN 0; END IF;
  k := 60 - floor(log(abs(x)) - log(abs(y)))::int;
  RETURN round(round(x, k + 10) / y, k);
END $$;

-- Reference M = C/(a-1) [1 - (1-z)^A 2F1(A, beta; C; z)] of an alive
-- customer, with the plain Gauss series in numeric (all terms positive,
-- 60 decimals, so the cancellation in the bracket costs nothing), then
-- E = P(alive) M.  NULL when the series would need more than max_terms.
CREATE FUNCTION pg_temp.ref_expected(r numeric, alpha numeric, a numeric, b numeric, t numeric,
                                     x numeric, tx numeric, tt numeric, max_terms int DEFAULT 4000)
RETURNS numeric LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  aa numeric := r + x; bb numeric := b + x; cc numeric := a + b + x - 1;
  z numeric := pg_temp.qdiv(t, alpha + tt + t);
  omz numeric := pg_temp.qdiv(alpha + tt, alpha + tt + t);
  term numeric := 1; s numeric := 1; n int := 0; ratio numeric;
  logf numeric; m numeric; d numeric;
BEGIN
  IF a = 1 THEN
    -- analytic in a: the mean of the two sides, 1e-12 away, is exact to 1e-24
    RETURN (pg_temp.ref_expected(r, alpha, a + 1e-12, b, t, x, tx, tt, max_terms)
            + pg_temp.ref_expected(r, alpha, a - 1e-12, b, t, x, tx, tt, max_terms)) / 2;
  END IF;
  LOOP
    ratio := pg_temp.qdiv((aa + n) * (bb + n) * z, (cc + n) * (n + 1));
    term := round(term * ratio, 60);
    s := s + term; n := n + 1;
    EXIT WHEN ratio < 1 AND term < 1e-45 * s;
    IF n > max_terms THEN RETURN NULL; END IF;
  END LOOP;
  logf := aa * ln(omz) + ln(s);
  m := pg_temp.qdiv(cc, a - 1) * (1 - CASE WHEN logf < -1000 THEN 0 ELSE exp(logf) END);
  d := 1 + CASE WHEN x > 0 THEN pg_temp.rdiv(a, b + x - 1)
                               * exp(aa * ln(pg_temp.qdiv(alpha + tt, alpha + tx))) ELSE 0 END;
  RETURN pg_temp.rdiv(m, d);
END $$;

-- the grid: parameters as exact decimals, so the reference and the
-- function see the same model
CREATE TEMP TABLE grid AS
SELECT r, alpha, a, b, h, c.x, c.tx, c.tt,
       format('bgnbd(r=%s,alpha=%s,a=%s,b=%s)', r, alpha, a, b)::clv_model AS m
FROM unnest('{0.05,0.243,1,100,1000}'::numeric[]) r,
     unnest('{0.001,1,1000}'::numeric[]) alpha,
     unnest('{0.3,0.999,1,2.5,40}'::numeric[]) a,
     unnest('{0.8,2.426,1000}'::numeric[]) b,
     unnest('{1,10,39}'::numeric[]) h,
     (VALUES (0, 0, 0), (2, 30.43, 38.86), (10, 5, 40)) c(x, tx, tt)
WHERE a + b > 1
UNION ALL
-- the degenerate fits of issue 9
SELECT r, alpha, a, b, h, c.x, c.tx, c.tt, format('bgnbd(r=%s,alpha=%s,a=%s,b=%s)', r, alpha, a, b)::clv_model
FROM (VALUES (0.243, 4.414, 12600000, 12400000), (0.5, 3, 150000000, 0.0000000067),
             (33790731.55, 428015939.5, 0.0000001634, 15819768.05)) p(r, alpha, a, b),
     unnest('{1,10,39}'::numeric[]) h,
     (VALUES (0, 0, 0), (2, 30.43, 38.86), (10, 5, 40)) c(x, tx, tt);

-- each case: the prediction, or the SQLSTATE it raised
CREATE FUNCTION pg_temp.try_expected(m clv_model, h float8, x float8, tx float8, tt float8,
                                     OUT e float8, OUT state text) LANGUAGE plpgsql AS $$
BEGIN
  e := expected_purchases(m, h, x, tx, tt);
EXCEPTION WHEN OTHERS THEN
  state := SQLSTATE;
END $$;
CREATE TEMP TABLE results AS
SELECT g.*, (pg_temp.try_expected(m, h::float8, x, tx::float8, tt::float8)).*,
       pg_temp.ref_expected(r, alpha, a, b, h, x, tx, tt) AS ref
FROM grid g;

SELECT is((SELECT count(*) FROM results WHERE state IS NOT NULL AND state <> '22003'), 0::bigint,
          'a prediction that cannot be computed raises 22003, nothing else');
SELECT is_empty($$
  SELECT r, alpha, a, b, h, x, tx, tt, state FROM results WHERE state IS NOT NULL
$$, 'no error on the grid: r up to 1000 with a near 1 included');
SELECT is_empty($$
  SELECT r, alpha, a, b, h, x, tx, tt, e FROM results
  WHERE e IS NOT NULL AND NOT (e >= 0 AND e <= (r + x) * h / (alpha + tt) * (1 + 1e-12))
$$, '0 <= E <= (r + x) h / (alpha + T) on every model of the grid');
SELECT cmp_ok((SELECT count(*) FROM results WHERE ref IS NOT NULL AND e IS NOT NULL), '>=', 1000::bigint,
              'the numeric reference covers most of the grid');
SELECT is_empty($$
  SELECT r, alpha, a, b, h, x, tx, tt, e, ref FROM results
  WHERE ref IS NOT NULL AND e IS NOT NULL AND abs(e::numeric - ref) > 1e-9 * ref + 1e-305
$$, 'expected_purchases agrees with the 60-digit reference to 1e-9 relative');
SELECT is((SELECT round(e::numeric, 5) FROM results
           WHERE r = 100 AND alpha = 1 AND a = 2.5 AND b = 0.8 AND h = 10 AND x = 0 LIMIT 1),
          (SELECT round(ref, 5) FROM results
           WHERE r = 100 AND alpha = 1 AND a = 2.5 AND b = 0.8 AND h = 10 AND x = 0 LIMIT 1),
          'r = 100 gives the closed form');
SELECT is(round(expected_purchases('bgnbd(r=100,alpha=1,a=2,b=1)', 10, 0, 0, 0)::numeric, 5), 1.99798,
          'the example of issue 9 gives the closed form 1.99798');

-- a random sweep: every parameter over seven decades, horizons to 1e5
SELECT setseed(0.5);
CREATE TEMP TABLE sweep AS
SELECT r, alpha, a, b, h, x, (pg_temp.try_expected(format('bgnbd(r=%s,alpha=%s,a=%s,b=%s)', r, alpha, a, b)::clv_model,
                                                h, x, CASE WHEN x > 0 THEN 5 ELSE 0 END, CASE WHEN x > 0 THEN 10 ELSE 0 END)).*
FROM (SELECT 10 ^ (random() * 7 - 3) r, 10 ^ (random() * 8 - 4) alpha, 10 ^ (random() * 7 - 3) a,
             10 ^ (random() * 7 - 3) b, 10 ^ (random() * 6 - 1) h, (random() * 5)::int x
      FROM generate_series(1, 600)) s;
SELECT is_empty($$
  SELECT r, alpha, a, b, h, x, state FROM sweep
  WHERE state IS NOT NULL OR NOT (e >= 0 AND e <= (r + x) * h / (alpha + CASE WHEN x > 0 THEN 10 ELSE 0 END) * (1 + 1e-12))
$$, 'random models: no error, and 0 <= E <= (r + x) h / (alpha + T)');

-- degenerate fits: 100 identical customers either fail with 22023 or
-- return a model marked converged = false, and that model predicts
CREATE FUNCTION pg_temp.try_fit(x float8, tx float8, tt float8, OUT m clv_model, OUT state text) LANGUAGE plpgsql AS $$
BEGIN
  SET LOCAL client_min_messages = error;
  SELECT bgnbd_fit(x, tx, tt) INTO m FROM generate_series(1, 100);
EXCEPTION WHEN OTHERS THEN
  state := SQLSTATE;
END $$;
CREATE TEMP TABLE dfits AS
SELECT c.x, c.tx, c.tt, (pg_temp.try_fit(c.x, c.tx, c.tt)).*
FROM (VALUES (1, 10, 10), (10, 30, 39), (3, 30, 38), (1, 5, 10), (2, 5, 10), (4, 20, 30)) c(x, tx, tt);
SELECT is_empty($$
  SELECT x, tx, tt, state FROM dfits
  WHERE NOT (state = '22023' OR (state IS NULL AND (SELECT NOT converged FROM clv_params(m) LIMIT 1)))
$$, 'identical customers: an error 22023 or a model marked not converged');
SELECT is_empty($$
  SELECT x, tx, tt FROM dfits, (VALUES (1.0), (10), (52)) hz(h)
  WHERE m IS NOT NULL AND NOT (probability_alive(m, x, tx, tt) BETWEEN 0 AND 1
        AND expected_purchases(m, h, x, tx, tt) >= 0
        AND expected_purchases(m, h, 0, 0, 0) <= (SELECT max(value) FILTER (WHERE name = 'r') / max(value) FILTER (WHERE name = 'alpha') FROM clv_params(m)) * h * (1 + 1e-9))
$$, 'predictions on the boundary models work and stay within their bounds');

-- the raw on-disk bytes of a clv_model written by 0.1.0 (format version 1,
-- 64 bytes, little-endian as on this machine) read with the new code: a
-- bytea column holding them is retyped in the catalog
CREATE FUNCTION pg_temp.le(b bytea) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
  SELECT string_agg(substring(b FROM length(b) + 1 - i FOR 1), ''::bytea ORDER BY i) FROM generate_series(1, length(b)) i
$$;
CREATE TABLE v1disk (v bytea);
ALTER TABLE v1disk ALTER v SET STORAGE plain;
INSERT INTO v1disk VALUES ('\x01010100'::bytea || pg_temp.le(int8send(2357)) || pg_temp.le(float8send(0.243))
  || pg_temp.le(float8send(4.414)) || pg_temp.le(float8send(0.793)) || pg_temp.le(float8send(2.426))
  || pg_temp.le(float8send(-9582.4)) || pg_temp.le(float8send(0)));
UPDATE pg_attribute SET atttypid = 'clv_model'::regtype, attalign = 'd', attstorage = 'p'
WHERE attrelid = 'v1disk'::regclass AND attname = 'v';
SELECT is((SELECT v::text FROM v1disk), 'bgnbd(r=0.243,alpha=4.414,a=0.793,b=2.426,ll=-9582.4,n=2357)',
          'a version 1 clv_model on disk reads (text)');
SELECT is((SELECT array_agg(row(name, value, converged)::text ORDER BY name) FROM v1disk, clv_params(v)
           WHERE name IN ('n', 'iterations', 'gradient_norm')),
          '{"(gradient_norm,,)","(iterations,,)","(n,2357,)"}', 'its convergence is unknown (NULL)');
SELECT is((SELECT round(expected_purchases(v, 39, 2, 30.43, 38.86)::numeric, 3) FROM v1disk), 1.226,
          'and it predicts the published 1.226');

-- predictions that cannot be represented raise 22003 with a hint, not XX000
SELECT throws_ok($$SELECT expected_purchases('bgnbd(r=1e300,alpha=1e-300,a=0.5,b=2)', 1e300, 0, 0, 0)$$,
                 '22003', NULL, 'a horizon of 1e300 periods over alpha = 1e-300: 22003');
SELECT ok((SELECT abs(e / (2.219 / 0.207 * 0.464138396 * (1e300 / 4.414) ^ 0.207) - 1) < 1e-6
           FROM (SELECT expected_purchases('bgnbd(r=0.243,alpha=4.414,a=0.793,b=2.426)', 1e300, 0, 0, 0) e) s),
          'a horizon of 1e300 periods: the asymptote C/(1-a) Gamma(C)Gamma(A-a+1)/(Gamma(A)Gamma(C-a+1)) s^(1-a)');
SELECT throws_ok($$SELECT expected_avg_value('gamma_gamma(p=1e300,q=2,gamma=1e300)', 0, 0)$$,
                 '22003', NULL, 'a mean spend beyond double precision: 22003');

-- round trips: text and binary of values the aggregates produce from
-- extreme inputs read back to the same value
CREATE TEMP TABLE vals AS
SELECT 'bgnbd sub' AS what, bgnbd_data(0, 0, 1e-310) AS d
UNION ALL SELECT 'gg sub', gamma_gamma_data(1, 1e-310)
UNION ALL SELECT 'bgnbd huge', bgnbd_data(x, tx, tt)
  FROM (VALUES (1e9::float8, 1e308::float8, 1.7976931348623157e308::float8), (0, 0, 1e308), (3, 4.9e-324, 1)) v(x, tx, tt)
UNION ALL SELECT 'gg huge', gamma_gamma_data(x, m)
  FROM (VALUES (1::float8, 1.7976931348623157e308::float8), (1e9, 4.9e-324), (2, 1e-310)) v(x, m)
UNION ALL SELECT 'grid 4e15', gamma_gamma_data(1, 4e15 + g) FROM generate_series(1, 40000) g
UNION ALL SELECT 'grid 1e308', gamma_gamma_data(1, 1e308 * (1 - g * 1e-6)) FROM generate_series(1, 40000) g
UNION ALL SELECT 'grid bgnbd', bgnbd_data(1 + g % 3, g * 1e-6 * 1e300, 1e300) FROM generate_series(1, 40000) g;
SELECT is_empty($$
  SELECT what FROM vals WHERE d::text::clv_data::text IS DISTINCT FROM d::text
     OR clv_data_send(d::text::clv_data) IS DISTINCT FROM clv_data_send(d)
$$, 'clv_data: text output reads back, subnormal, huge and gridded alike');
SELECT is_empty($$
  SELECT what FROM vals WHERE pg_temp.test_recv('clv_data', clv_data_send(d)) IS DISTINCT FROM d::text
$$, 'clv_data: binary output reads back');

-- models: written by hand with extreme parameters, from binary, fitted
CREATE TEMP TABLE models AS
SELECT format('bgnbd(r=%s,alpha=%s,a=%s,b=%s)', v, w, v, w)::clv_model AS m
FROM unnest('{1e-310,4.9e-324,1.7976931348623157e308,1}'::float8[]) v,
     unnest('{1e-310,1e308,2.5}'::float8[]) w
UNION ALL SELECT format('gamma_gamma(p=1,q=2,gamma=%s)', v)::clv_model
FROM unnest('{1e-310,4.9e-324,1.7976931348623157e308}'::float8[]) v
UNION ALL SELECT ('bgnbd(r=1,alpha=1,a=1,b=1,ll=-1e308,n=9223372036854775807,grid=1e-310,'
                  'iterations=2147483647,converged=false,gradient_norm=4.9e-324)')::clv_model
UNION ALL SELECT pg_temp.test_recv('clv_model', overlay(clv_model_send('gamma_gamma(p=1,q=2,gamma=3)')
                                                placing float8send(1e-310) from 28 for 8))::clv_model;
SELECT is_empty($$
  SELECT m::text FROM models WHERE m::text::clv_model::text IS DISTINCT FROM m::text
     OR pg_temp.test_recv('clv_model', clv_model_send(m)) IS DISTINCT FROM m::text
$$, 'clv_model: text and binary output read back, gamma = 1e-310 from binary included');

-- clv_inputs: the composite of huge sums
SELECT is((SELECT (clv_inputs(ts, amount, '2024-01-10', '1 day'))::text FROM
            (VALUES (timestamptz '2024-01-01', 99999999999999999.99999999999999999999::numeric),
                    ('2024-01-05', 0.00000000000000000001), ('2024-01-05', -12345678901234567.5)) v(ts, amount))::clv_inputs::text,
          (SELECT (clv_inputs(ts, amount, '2024-01-10', '1 day'))::text FROM
            (VALUES (timestamptz '2024-01-01', 99999999999999999.99999999999999999999::numeric),
                    ('2024-01-05', 0.00000000000000000001), ('2024-01-05', -12345678901234567.5)) v(ts, amount)),
          'clv_inputs: exact sums read back');

-- unit_economics: counts near 2^63, mantissas at +-2^127
CREATE TEMP TABLE ues AS
SELECT ('units=9223372036854775807 buyers=9223372036854775807 purchases=9223372036854775807 '
        'revenue=-1701411834604692317.31687303715884105728 cost=1701411834604692317.31687303715884105727 '
        'acquisition_units=9223372036854775807 acquisition_buyers=1 acquisition_cost=-0.00000000000000000001')::unit_economics AS u
UNION ALL SELECT unit_economics(170141183460469231731687303715884105727, -170141183460469231731687303715884105727, 1, 0)
UNION ALL SELECT rollup(u) FROM (SELECT unit_economics(-85070591730234615865843651857942052864, 0, 1, NULL) u
                                 FROM generate_series(1, 2)) s;
SELECT is_empty($$
  SELECT u::text FROM ues WHERE u::text::unit_economics::text IS DISTINCT FROM u::text
     OR pg_temp.test_recv('unit_economics', unit_economics_send(u)) IS DISTINCT FROM u::text
$$, 'unit_economics: text and binary output read back at the extremes, -2^127 included');
SELECT is((SELECT u::text FROM ues OFFSET 2),
          'units=2 buyers=2 purchases=2 revenue=-170141183460469231731687303715884105728 cost=0 acquisition_units=0 acquisition_buyers=0 acquisition_cost=0',
          'a sum of exactly -2^127 prints and is kept');

-- P(alive) and the Gamma-Gamma mean against numeric formulas
SELECT is_empty($$
  SELECT r, alpha, a, b, x, tx, tt FROM (SELECT DISTINCT ON (r, alpha, a, b, x, tx, tt) r, alpha, a, b, x, tx, tt, m FROM grid WHERE x > 0) g
  WHERE abs(probability_alive(m, x, tx::float8, tt::float8)::numeric
            - pg_temp.rdiv(1, 1 + pg_temp.rdiv(a, b + x - 1) * exp((r + x) * ln(pg_temp.qdiv(alpha + tt, alpha + tx)))))
        > 1e-12 * pg_temp.rdiv(1, 1 + pg_temp.rdiv(a, b + x - 1) * exp((r + x) * ln(pg_temp.qdiv(alpha + tt, alpha + tx)))) + 1e-305
$$, 'probability_alive agrees with the numeric formula to 1e-12 relative');
SELECT is_empty($$
  SELECT p, q, g, x, m FROM unnest('{0.01,6.25,1e6}'::numeric[]) p, unnest('{1.00000095367431640625,3.74,1e8}'::numeric[]) q,
         unnest('{0.001,15.44,1e9}'::numeric[]) g, unnest('{0,1,7,1e6}'::numeric[]) x, unnest('{0.01,35,1e12}'::numeric[]) m
  WHERE abs(expected_avg_value(format('gamma_gamma(p=%s,q=%s,gamma=%s)', p, q, g)::clv_model, x, m)::numeric
            - pg_temp.rdiv(p * (g + x * m), p * x + q - 1)) > 1e-13 * pg_temp.rdiv(p * (g + x * m), p * x + q - 1)
$$, 'expected_avg_value agrees with p (gamma + x m) / (p x + q - 1) to 1e-13 relative');

-- invalid values get the SQLSTATE of where they came from (clv_data
-- binary input raised 22P02 in 0.1.0)
SELECT throws_ok($$SELECT 'bgnbd exact 2,40,38.86*1'::clv_data$$, '22P02', NULL, 'clv_data text: 22P02');
SELECT throws_ok($$SELECT pg_temp.test_recv('clv_data', overlay(clv_data_send('bgnbd exact 1,2,3*4') placing float8send(5) from 19 for 8))$$,
                 '22P03', NULL, 'clv_data binary: 22P03');
SELECT throws_ok($$SELECT pg_temp.test_recv('clv_model', overlay(clv_model_send('bgnbd(r=1,alpha=1,a=1,b=1)') placing float8send(-1) from 12 for 8))$$,
                 '22P03', NULL, 'clv_model binary: 22P03');
SELECT throws_ok($$SELECT pg_temp.test_recv('unit_economics', set_byte(unit_economics_send('units=1 buyers=0 purchases=0 revenue=0 cost=0 acquisition_units=0 acquisition_buyers=0 acquisition_cost=0'), 16, 5))$$,
                 '22P03', NULL, 'unit_economics binary: 22P03');

SELECT * FROM finish();
ROLLBACK;

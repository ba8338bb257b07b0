-- Experiments (A/B tests, holdouts) and conversion drivers.  Every figure
-- of experiment_report and driver_report is compared with a reference
-- computed independently (test/experiment_reference.py: exact rational
-- moments, 50-digit mpmath distributions, exact rational Fisher sums) to
-- 1e-9 relative; the reports themselves are shown rounded to 10 decimals.
\set ON_ERROR_STOP 0
SET extra_float_digits = 0;
CREATE FUNCTION pg_temp.r(x float8) RETURNS numeric LANGUAGE sql IMMUTABLE AS 'SELECT round(x::numeric, 10)';

-- 1200 units in three arms (unit % 3), every value an exact double: a
-- conversion, a value (revenue) correlated with a pre-period value.
CREATE TABLE exp_units AS
SELECT i AS unit,
       (ARRAY['control', 'new_copy', 'short_copy'])[i % 3 + 1] AS variant,
       (i * 7919) % 100 < (ARRAY[10, 15, 9])[i % 3 + 1] AS converted,
       0.75::float8 * (((i::bigint * 15485863) % 800)::float8 / 4) + ((i * 104729) % 1000)::float8 / 8
         + (ARRAY[0, 6.25, -1.5]::float8[])[i % 3 + 1] AS value,
       ((i::bigint * 15485863) % 800)::float8 / 4 AS pre
FROM generate_series(1, 1200) i;
ANALYZE exp_units;

SELECT variant, n, conversions, pg_temp.r(rate) AS rate, pg_temp.r(lift) AS lift,
       pg_temp.r(diff_ci_low) AS ci_low, pg_temp.r(diff_ci_high) AS ci_high, pg_temp.r(z) AS z,
       pg_temp.r(p_value) AS p_value
FROM experiment_report((SELECT experiment_agg(variant, converted, value, pre) FROM exp_units), 'control');
SELECT variant, pg_temp.r(mean_value) AS mean_value, pg_temp.r(value_diff) AS value_diff,
       pg_temp.r(value_p_value) AS value_p_value, pg_temp.r(cuped_value_diff) AS cuped_diff,
       pg_temp.r(cuped_value_p_value) AS cuped_p_value
FROM experiment_report((SELECT experiment_agg(variant, converted, value, pre) FROM exp_units), 'control');

-- The references (test/experiment_reference.py; NULL where the figure is NULL)
CREATE TABLE exp_ref (kase text, variant text, col text, ref float8);
CREATE TABLE drv_ref (feature text, col text, ref float8);
\set ECHO none
INSERT INTO exp_ref VALUES
  ('main', 'control', 'rate', 0.10000000000000000000),
  ('main', 'control', 'lift', NULL),
  ('main', 'control', 'diff_ci_low', NULL),
  ('main', 'control', 'diff_ci_high', NULL),
  ('main', 'control', 'z', NULL),
  ('main', 'control', 'p_value', NULL),
  ('main', 'control', 'mean_value', 140.78125000000000000),
  ('main', 'control', 'value_diff', NULL),
  ('main', 'control', 'value_p_value', NULL),
  ('main', 'control', 'cuped_value_diff', NULL),
  ('main', 'control', 'cuped_value_p_value', NULL),
  ('main', 'new_copy', 'rate', 0.15000000000000000000),
  ('main', 'new_copy', 'lift', 0.50000000000000000000),
  ('main', 'new_copy', 'diff_ci_low', 0.0042966824644815205375),
  ('main', 'new_copy', 'diff_ci_high', 0.095703317535518479463),
  ('main', 'new_copy', 'z', 2.1380899352993950775),
  ('main', 'new_copy', 'p_value', 0.032509444645719532589),
  ('main', 'new_copy', 'mean_value', 142.78125000000000000),
  ('main', 'new_copy', 'value_diff', 2.0000000000000000000),
  ('main', 'new_copy', 'value_p_value', 0.61620172953838117648),
  ('main', 'new_copy', 'cuped_value_diff', 6.4266510025777311404),
  ('main', 'new_copy', 'cuped_value_p_value', 0.012019468531340161035),
  ('main', 'short_copy', 'rate', 0.090000000000000000000),
  ('main', 'short_copy', 'lift', -0.10000000000000000000),
  ('main', 'short_copy', 'diff_ci_low', -0.050630861770251693624),
  ('main', 'short_copy', 'diff_ci_high', 0.030630861770251693624),
  ('main', 'short_copy', 'z', -0.48231293088956866460),
  ('main', 'short_copy', 'p_value', 0.62958366277267044580),
  ('main', 'short_copy', 'mean_value', 134.71875000000000000),
  ('main', 'short_copy', 'value_diff', -6.0625000000000000000),
  ('main', 'short_copy', 'value_p_value', 0.12483829016708549265),
  ('main', 'short_copy', 'cuped_value_diff', -1.3727740223869748510),
  ('main', 'short_copy', 'cuped_value_p_value', 0.59080983525595581443),
  ('main_alpha_0.1', 'control', 'rate', 0.10000000000000000000),
  ('main_alpha_0.1', 'control', 'lift', NULL),
  ('main_alpha_0.1', 'control', 'diff_ci_low', NULL),
  ('main_alpha_0.1', 'control', 'diff_ci_high', NULL),
  ('main_alpha_0.1', 'control', 'z', NULL),
  ('main_alpha_0.1', 'control', 'p_value', NULL),
  ('main_alpha_0.1', 'control', 'mean_value', 140.78125000000000000),
  ('main_alpha_0.1', 'control', 'value_diff', NULL),
  ('main_alpha_0.1', 'control', 'value_p_value', NULL),
  ('main_alpha_0.1', 'control', 'cuped_value_diff', NULL),
  ('main_alpha_0.1', 'control', 'cuped_value_p_value', NULL),
  ('main_alpha_0.1', 'new_copy', 'rate', 0.15000000000000000000),
  ('main_alpha_0.1', 'new_copy', 'lift', 0.50000000000000000000),
  ('main_alpha_0.1', 'new_copy', 'diff_ci_low', 0.011644566836439174133),
  ('main_alpha_0.1', 'new_copy', 'diff_ci_high', 0.088355433163560825867),
  ('main_alpha_0.1', 'new_copy', 'z', 2.1380899352993950775),
  ('main_alpha_0.1', 'new_copy', 'p_value', 0.032509444645719532589),
  ('main_alpha_0.1', 'new_copy', 'mean_value', 142.78125000000000000),
  ('main_alpha_0.1', 'new_copy', 'value_diff', 2.0000000000000000000),
  ('main_alpha_0.1', 'new_copy', 'value_p_value', 0.61620172953838117648),
  ('main_alpha_0.1', 'new_copy', 'cuped_value_diff', 6.4266510025777311404),
  ('main_alpha_0.1', 'new_copy', 'cuped_value_p_value', 0.012019468531340161035),
  ('main_alpha_0.1', 'short_copy', 'rate', 0.090000000000000000000),
  ('main_alpha_0.1', 'short_copy', 'lift', -0.10000000000000000000),
  ('main_alpha_0.1', 'short_copy', 'diff_ci_low', -0.044098494092811552961),
  ('main_alpha_0.1', 'short_copy', 'diff_ci_high', 0.024098494092811552961),
  ('main_alpha_0.1', 'short_copy', 'z', -0.48231293088956866460),
  ('main_alpha_0.1', 'short_copy', 'p_value', 0.62958366277267044580),
  ('main_alpha_0.1', 'short_copy', 'mean_value', 134.71875000000000000),
  ('main_alpha_0.1', 'short_copy', 'value_diff', -6.0625000000000000000),
  ('main_alpha_0.1', 'short_copy', 'value_p_value', 0.12483829016708549265),
  ('main_alpha_0.1', 'short_copy', 'cuped_value_diff', -1.3727740223869748510),
  ('main_alpha_0.1', 'short_copy', 'cuped_value_p_value', 0.59080983525595581443),
  ('bigmean', 'a', 'rate', 0.14000000000000000000),
  ('bigmean', 'a', 'lift', NULL),
  ('bigmean', 'a', 'diff_ci_low', NULL),
  ('bigmean', 'a', 'diff_ci_high', NULL),
  ('bigmean', 'a', 'z', NULL),
  ('bigmean', 'a', 'p_value', NULL),
  ('bigmean', 'a', 'mean_value', 1000000000.4980468750),
  ('bigmean', 'a', 'value_diff', NULL),
  ('bigmean', 'a', 'value_p_value', NULL),
  ('bigmean', 'a', 'cuped_value_diff', NULL),
  ('bigmean', 'a', 'cuped_value_p_value', NULL),
  ('bigmean', 'b', 'rate', 0.14000000000000000000),
  ('bigmean', 'b', 'lift', 0.0),
  ('bigmean', 'b', 'diff_ci_low', -0.13601641695200954737),
  ('bigmean', 'b', 'diff_ci_high', 0.13601641695200954737),
  ('bigmean', 'b', 'z', 0.0),
  ('bigmean', 'b', 'p_value', 1.0000000000000000000),
  ('bigmean', 'b', 'mean_value', 1000000000.4931640625),
  ('bigmean', 'b', 'value_diff', -0.0048828125000000000000),
  ('bigmean', 'b', 'value_p_value', 0.93221024494004704266),
  ('bigmean', 'b', 'cuped_value_diff', NULL),
  ('bigmean', 'b', 'cuped_value_p_value', NULL),
  ('bigdf', 'a', 'rate', 0.10000000000000000000),
  ('bigdf', 'a', 'lift', NULL),
  ('bigdf', 'a', 'diff_ci_low', NULL),
  ('bigdf', 'a', 'diff_ci_high', NULL),
  ('bigdf', 'a', 'z', NULL),
  ('bigdf', 'a', 'p_value', NULL),
  ('bigdf', 'a', 'mean_value', 0.0),
  ('bigdf', 'a', 'value_diff', NULL),
  ('bigdf', 'a', 'value_p_value', NULL),
  ('bigdf', 'a', 'cuped_value_diff', NULL),
  ('bigdf', 'a', 'cuped_value_p_value', NULL),
  ('bigdf', 'b', 'rate', 0.10020000000000000000),
  ('bigdf', 'b', 'lift', 0.0020000000000000000000),
  ('bigdf', 'b', 'diff_ci_low', 0.000082349919891408413192),
  ('bigdf', 'b', 'diff_ci_high', 0.00031765008010859158681),
  ('bigdf', 'b', 'z', 3.3318530237137066773),
  ('bigdf', 'b', 'p_value', 0.00086269804954573406726),
  ('bigdf', 'b', 'mean_value', 0.00060000000000000000000),
  ('bigdf', 'b', 'value_diff', 0.00060000000000000000000),
  ('bigdf', 'b', 'value_p_value', 0.0026997969939484669105),
  ('bigdf', 'b', 'cuped_value_diff', NULL),
  ('bigdf', 'b', 'cuped_value_p_value', NULL);
INSERT INTO drv_ref VALUES
  ('everyone', 'odds_ratio', NULL),
  ('everyone', 'odds_ratio_ci_low', NULL),
  ('everyone', 'odds_ratio_ci_high', NULL),
  ('everyone', 'phi', NULL),
  ('everyone', 'p_value', NULL),
  ('never_converts', 'odds_ratio', 0.16006655574043261231),
  ('never_converts', 'odds_ratio_ci_low', 0.0096002135698993567980),
  ('never_converts', 'odds_ratio_ci_high', 2.6688262797546929673),
  ('never_converts', 'phi', -0.038895492079220698825),
  ('never_converts', 'p_value', 0.093612609933601111502),
  ('opened_welcome', 'odds_ratio', 3.3809523809523809524),
  ('opened_welcome', 'odds_ratio_ci_low', 2.5960771892135659250),
  ('opened_welcome', 'odds_ratio_ci_high', 4.4031198493486771793),
  ('opened_welcome', 'phi', 0.21004201260420147053),
  ('opened_welcome', 'p_value', 5.8113689592065209508e-21),
  ('plan:pro', 'odds_ratio', 0.91365777080062794349),
  ('plan:pro', 'odds_ratio_ci_low', 0.63785320482297771727),
  ('plan:pro', 'odds_ratio_ci_high', 1.3087188648304200093),
  ('plan:pro', 'phi', -0.011015979251292613626),
  ('plan:pro', 'p_value', 0.62226021707972951494),
  ('rare', 'odds_ratio', 63.301184433164128596),
  ('rare', 'odds_ratio_ci_low', 3.4910803281001297808),
  ('rare', 'odds_ratio_ci_high', 1147.7936839173562180),
  ('rare', 'phi', 0.11917286644580191105),
  ('rare', 'p_value', 0.000073804015604048096564);
\set ECHO all

-- every figure of a report against its reference: matches within 1e-9
-- relative (or both NULL); mismatches are listed
CREATE FUNCTION pg_temp.exp_check(kase text, e experiment, control text, alpha float8 DEFAULT 0.05)
RETURNS TABLE (variant text, col text, got float8, ref float8) LANGUAGE sql AS $$
    WITH got AS (
        SELECT r.variant, j.key AS col, (j.value #>> '{}')::float8 AS got
        FROM experiment_report(e, control, alpha) r,
             jsonb_each(to_jsonb(r) - 'variant' - 'n' - 'conversions') j),
    ref AS (SELECT variant, col, ref FROM exp_ref WHERE exp_ref.kase = exp_check.kase)
    SELECT variant, col, got.got, ref.ref FROM got FULL JOIN ref USING (variant, col)
    WHERE NOT ((got.got IS NULL AND ref.ref IS NULL) OR abs(got.got - ref.ref) <= 1e-9 * abs(ref.ref))
$$;
SELECT count(*) AS figures FROM exp_ref WHERE kase = 'main';
SELECT * FROM pg_temp.exp_check('main', (SELECT experiment_agg(variant, converted, value, pre) FROM exp_units), 'control');
-- the interval at another level
SELECT * FROM pg_temp.exp_check('main_alpha_0.1', (SELECT experiment_agg(variant, converted, value, pre) FROM exp_units), 'control', 0.1);
-- a mean of 1e9 with differences of 1/1024: the variances come from exact
-- sums, no digit is lost to the large mean
SELECT * FROM pg_temp.exp_check('bigmean',
  (SELECT experiment_agg(CASE WHEN i % 2 = 1 THEN 'a' ELSE 'b' END, (i * 31) % 7 = 0,
                         1e9::float8 + ((i * 7919) % 1000)::float8 / 1024 + CASE WHEN i % 2 = 0 THEN 1.0 / 64 ELSE 0 END)
   FROM generate_series(1, 100) i), 'a');

-- 5e7 units per arm, given by the text form (Welch df near 1e8: the t
-- tail's continued fraction runs in long double there)
SELECT * FROM pg_temp.exp_check('bigdf',
  'v1 value=t pre=f arms=2 "a" n=50000000 conversions=5000000 sum=0 sum_sq=0x2faf080p0 "b" n=50000000 conversions=5010000 sum=0x7530p0 sum_sq=0x2faf092p0', 'a');

-- the value alone (no pre_value): no CUPED; conversions alone: no value
SELECT variant, pg_temp.r(mean_value) AS mean_value, pg_temp.r(value_p_value) AS value_p_value,
       cuped_value_diff, cuped_value_p_value
FROM experiment_report((SELECT experiment_agg(variant, converted, value) FROM exp_units), 'control');
SELECT variant, n, conversions, pg_temp.r(p_value) AS p_value, mean_value, value_diff
FROM experiment_report((SELECT experiment_agg(variant, converted) FROM exp_units), 'new_copy');
-- the conversion figures do not depend on the value being there
SELECT count(*) AS differences FROM (
  SELECT variant, rate, lift, diff_ci_low, diff_ci_high, z, p_value FROM experiment_report((SELECT experiment_agg(variant, converted) FROM exp_units), 'control')
  EXCEPT
  SELECT variant, rate, lift, diff_ci_low, diff_ci_high, z, p_value FROM experiment_report((SELECT experiment_agg(variant, converted, value, pre) FROM exp_units), 'control')) d;

-- Edge cases
-- zero conversions anywhere: rates 0, no lift, a Wald interval of width 0, no z-test
SELECT variant, n, conversions, rate, lift, diff_ci_low, diff_ci_high, z, p_value
FROM experiment_report((SELECT experiment_agg(CASE WHEN i <= 50 THEN 'control' ELSE 'test' END, false) FROM generate_series(1, 100) i), 'control');
-- everybody converted
SELECT variant, n, conversions, rate, lift, diff_ci_low, diff_ci_high, z, p_value
FROM experiment_report((SELECT experiment_agg(CASE WHEN i <= 50 THEN 'control' ELSE 'test' END, true) FROM generate_series(1, 100) i), 'control');
-- a control without conversions: no lift, but a test (z = (3/50) / sqrt(3/100 * 97/100 * 2/50))
SELECT variant, rate, lift, pg_temp.r(z) AS z, pg_temp.r(3.0 / 50 / sqrt(3.0 / 100 * 97 / 100 * 2 / 50)) AS z_by_hand,
       pg_temp.r(p_value) AS p_value
FROM experiment_report((SELECT experiment_agg(CASE WHEN i <= 50 THEN 'control' ELSE 'test' END, i > 97) FROM generate_series(1, 100) i), 'control');
-- n = 1: descriptive figures, NULL statistics
SELECT variant, n, conversions, rate, lift, diff_ci_low, z, p_value, mean_value, value_diff, value_p_value, cuped_value_diff
FROM experiment_report((SELECT experiment_agg(v, c, x, p) FROM (VALUES ('control', true, 2.0::float8, 1.0::float8), ('control', false, 4, 2), ('control', false, 0, 3), ('one', true, 10, 1)) t(v, c, x, p)), 'control');
SELECT variant, n, rate, lift, diff_ci_low, z, mean_value, value_diff, value_p_value
FROM experiment_report((SELECT experiment_agg(v, c, x) FROM (VALUES ('control', true, 2.0::float8), ('b', false, 4), ('b', true, 0)) t(v, c, x)), 'control');
-- identical values (zero variance, exactly: the sums are exact) in both arms:
-- no t-test, even at 1e9 + 0.1; in one arm only: Welch's test with the other arm's variance
SELECT variant, mean_value, value_diff, value_p_value
FROM experiment_report((SELECT experiment_agg(CASE WHEN i <= 50 THEN 'control' ELSE 'test' END, false, 1e9 + 0.1) FROM generate_series(1, 100) i), 'control');
SELECT variant, mean_value, value_diff, pg_temp.r(value_p_value) AS value_p_value
FROM experiment_report((SELECT experiment_agg(CASE WHEN i <= 4 THEN 'control' ELSE 'test' END, false, CASE WHEN i <= 4 THEN 5 ELSE i END)
                        FROM generate_series(1, 8) i), 'control');
-- by hand: test values 5..8, mean 6.5, variance 5/3, se = sqrt(5/12), t = 1.5 / se,
-- df = (5/12)^2 / ((5/12)^2 / 3) = 3: p = 2 (1 - T3(t)), T3's closed form
SELECT pg_temp.r(2 * (1 - (0.5 + (atan(t / sqrt(3)) + (t / sqrt(3)) / (1 + t * t / 3)) / pi()))) AS p_by_hand
FROM (SELECT 1.5 / sqrt(5.0 / 12) AS t) s;
-- values near the largest whose square a double holds (1.34e154): no
-- overflow in the variances or the degrees of freedom.  By hand: each arm
-- has variance a^2 / 2 (a = 1.3e154), so t = -sqrt 2 with df = 2, and
-- p = 1 - |t| / sqrt(2 + t^2) = 1 - 1 / sqrt 2; a pre_value equal to the
-- value adjusts every unit to the same value: no CUPED test
SELECT variant, mean_value, value_diff, pg_temp.r(value_p_value) AS value_p_value, pg_temp.r(1 - 1 / sqrt(2)) AS by_hand,
       cuped_value_diff, cuped_value_p_value
FROM experiment_report((SELECT experiment_agg(v, true, x, x) FROM (VALUES ('control', 1.3e154::float8), ('control', 5e-324), ('b', -1.3e154), ('b', 0.1)) t(v, x)), 'control');
-- a constant pre_value: no CUPED (theta is undefined)
SELECT variant, pg_temp.r(value_p_value) AS value_p_value, cuped_value_diff, cuped_value_p_value
FROM experiment_report((SELECT experiment_agg(variant, converted, value, 7) FROM exp_units), 'control');
-- one arm empty: the report has the arms there are; a control with no units is unknown
SELECT variant, n, rate, lift, z FROM experiment_report((SELECT experiment_agg(variant, converted) FROM exp_units WHERE variant = 'control'), 'control');
SELECT * FROM experiment_report((SELECT experiment_agg(variant, converted) FROM exp_units WHERE variant <> 'control'), 'control');
-- NaN and infinite values, and values whose squares overflow, are errors
SELECT experiment_agg('a', true, 'NaN');
SELECT experiment_agg('a', true, '-Infinity');
SELECT experiment_agg('a', true, 1, 'Infinity');
SELECT experiment_agg('a', true, 1e200);
-- NULLs: a NULL variant ignores the row, a NULL converted is not
-- converted, a NULL value or pre_value counts as 0
SELECT experiment_agg(v, c, x, p) FROM (VALUES (NULL, true, 1.0::float8, 1.0::float8), ('a', NULL, NULL, 2), ('a', true, 3, NULL)) t(v, c, x, p);
SELECT experiment_agg(NULL, true) IS NULL AS no_rows_no_value;
SELECT count(*) AS rows FROM experiment_report(NULL, 'control');
SELECT * FROM experiment_report((SELECT experiment_agg(variant, converted) FROM exp_units), NULL);
SELECT * FROM experiment_report((SELECT experiment_agg(variant, converted) FROM exp_units), 'control', NULL);
SELECT * FROM experiment_report((SELECT experiment_agg(variant, converted) FROM exp_units), 'control', 1);
SELECT * FROM experiment_report((SELECT experiment_agg(variant, converted) FROM exp_units), 'contrl');
SELECT rollup(e) FROM (SELECT experiment_agg('a', true) e UNION ALL SELECT experiment_agg('a', true, 1.0)) s;

-- Serial, forced parallel and merged from parts give the same value, to the bit
CREATE TABLE exp_serial AS SELECT experiment_agg(variant, converted, value, pre)::text AS e FROM exp_units;
SELECT rollup(e)::text = (SELECT e FROM exp_serial) AS parts_equal_whole
FROM (SELECT experiment_agg(variant, converted, value, pre) e FROM exp_units GROUP BY unit % 7) s;
SELECT (SELECT experiment_agg(variant, converted, value, pre ORDER BY hashint4(unit)) FROM exp_units)::text
       = (SELECT e FROM exp_serial) AS any_order;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
\i test/force_parallel_on.psql
EXPLAIN (COSTS OFF) SELECT experiment_agg(variant, converted, value, pre) FROM exp_units;
SELECT experiment_agg(variant, converted, value, pre)::text = (SELECT e FROM exp_serial) AS parallel_equal_serial FROM exp_units;
\i test/force_parallel_off.psql
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- Text form: exact sums in hexadecimal (0x<digits>p<binary exponent>)
SELECT experiment_agg(v, c, x, p) FROM (VALUES ('ctl "a"\', true, 0.1::float8, -2.5::float8), ('ctl "a"\', false, 1e-300, 3), ('b', false, -7, 5e-324)) t(v, c, x, p);
SELECT e::text::experiment::text = e::text AS text_round_trip
FROM (SELECT experiment_agg(v, c, x, p) e FROM (VALUES ('ctl "a"\', true, 0.1::float8, -2.5::float8), ('ctl "a"\', false, 1e-300, 3), ('b', false, -7, 5e-324)) t(v, c, x, p)) s;
SELECT 'v1 value=f pre=f arms=0'::experiment, 'v1 value=t pre=f arms=1 "x" n=2 conversions=1 sum=-0x1p-1074 sum_sq=0'::experiment;
-- hostile text: each is rejected with a clear error
CREATE FUNCTION pg_temp.try(typ text, s text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    detail text;
BEGIN
    EXECUTE format('SELECT %L::%s', s, typ);
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
    RETURN SQLSTATE || ': ' || CASE WHEN SQLERRM LIKE 'invalid input syntax%' THEN '' ELSE SQLERRM || ' ' END || coalesce(detail, '');
END $$;
SELECT s AS input, pg_temp.try('experiment', s) AS result FROM unnest(ARRAY[
  '', 'v2 value=f pre=f arms=0', 'v1', 'v1 value=x pre=f arms=0', 'v1 value=f pre=t arms=0',
  'v1 value=f pre=f arms=1', 'v1 value=f pre=f arms=1 "a" n=0 conversions=0',
  'v1 value=f pre=f arms=1 "a" n=1 conversions=2', 'v1 value=f pre=f arms=1 "a" n=-1 conversions=0',
  'v1 value=f pre=f arms=2 "b" n=1 conversions=0 "a" n=1 conversions=0',
  'v1 value=f pre=f arms=2 "a" n=1 conversions=0 "a" n=1 conversions=0',
  'v1 value=f pre=f arms=1 "a n=1 conversions=0', 'v1 value=f pre=f arms=1 "a\x" n=1 conversions=0',
  'v1 value=f pre=f arms=1 "a" n=99999999999999999999 conversions=0',
  'v1 value=t pre=f arms=1 "a" n=1 conversions=0 sum=0x1p99999 sum_sq=0',
  'v1 value=t pre=f arms=1 "a" n=1 conversions=0 sum=0x1p-1089 sum_sq=0',
  'v1 value=t pre=f arms=1 "a" n=1 conversions=0 sum=0x1p2000 sum_sq=0',
  'v1 value=t pre=f arms=1 "a" n=1 conversions=0 sum=1.5 sum_sq=0',
  'v1 value=t pre=f arms=1 "a" n=1 conversions=0 sum=0xp0 sum_sq=0',
  'v1 value=t pre=f arms=1 "a" n=1 conversions=0 sum=0 sum_sq=-0x1p0',
  'v1 value=t pre=f arms=1 "a" n=1 conversions=0 sum=0',
  'v1 value=f pre=f arms=1 "a" n=1 conversions=0 sum=0',
  'v1 value=f pre=f arms=1001', 'v1 value=f pre=f arms=0 trailing']) s;

-- sample_size: references from the formula at 50 digits (test/experiment_reference.py)
SELECT sample_size(0.1, 0.1) AS "14751", sample_size(0.05, 0.2, 0.01, 0.9) AS "15465",
       sample_size(0.3, -0.1) AS "3554", sample_size(0.02, 0.5, 0.1, 0.5) AS "1319";
SELECT sample_size(0, 0.1);
SELECT sample_size(0.5, 1.5);
SELECT sample_size(0.1, 0);
SELECT sample_size(0.1, 0.1, 0.05, 1);
SELECT sample_size(0.1, NULL);

-- assign_variant: the documented hash, in plain SQL, gives the same arms
SELECT count(*) FILTER (WHERE assign_variant(k, 'welcome-2026', '{0.45,0.45,0.1}') <> ref) AS differences, count(*) AS keys
FROM (SELECT i::text AS k,
             CASE WHEN u < 0.45 * 1.0 THEN 1 WHEN u < 0.45 + 0.45 THEN 2 ELSE 3 END AS ref
      FROM (SELECT i, ((('x' || left(encode(sha256(convert_to('welcome-2026:' || i, 'UTF8')), 'hex'), 16))::bit(64)::bigint >> 11)
                       & ((1::bigint << 53) - 1))::float8 / 2 ^ 53 AS u
            FROM generate_series(1, 20000) i) s) s;
SELECT assign_variant('customer-1', 'holdout-2026', '{0.95,0.05}') AS arm,
       assign_variant('customer-1', 'holdout-2026', '{0.95,0.05}') AS same_arm_again,
       assign_variant(NULL, 'holdout-2026', '{0.95,0.05}') AS no_key,
       assign_variant('x', 's', '{0,1,0}') AS only_weighted_arm;
SELECT assign_variant('x', NULL, '{1}');
SELECT assign_variant('x', 's', '{}');
SELECT assign_variant('x', 's', '{1,-1}');
SELECT assign_variant('x', 's', '{1,NaN}');
SELECT assign_variant('x', 's', '{0,0}');
SELECT assign_variant('x', 's', '{1,NULL}');

-- Conversion drivers: 2000 customers with a few features each (a NULL
-- element and a repeated feature are skipped)
CREATE TABLE drv_customers AS
SELECT i AS customer, conv,
       ARRAY[CASE WHEN i % 5 = 0 THEN 'opened_welcome' END, CASE WHEN i % 7 = 0 THEN 'plan:pro' END,
             CASE WHEN i % 400 = 0 THEN 'rare' END, CASE WHEN i % 97 = 0 AND NOT conv THEN 'never_converts' END,
             'everyone', CASE WHEN i % 11 = 0 THEN 'everyone' END] AS features
FROM (SELECT i, (i * 7919) % 100 < CASE WHEN i % 5 = 0 THEN 30 ELSE 12 END AS conv FROM generate_series(1, 2000) i) s;
ANALYZE drv_customers;
SELECT driver_agg(conv, features) FROM drv_customers;
SELECT feature, with_feature, converted_with, without_feature, converted_without,
       pg_temp.r(odds_ratio) AS odds_ratio, pg_temp.r(odds_ratio_ci_low) AS ci_low,
       pg_temp.r(odds_ratio_ci_high) AS ci_high, pg_temp.r(phi) AS phi, pg_temp.r(p_value) AS p_value, test
FROM driver_report((SELECT driver_agg(conv, features) FROM drv_customers), 0);
SELECT count(*) AS figures FROM drv_ref;
SELECT feature, col, got, ref FROM (
  SELECT r.feature, j.key AS col, (j.value #>> '{}')::float8 AS got
  FROM driver_report((SELECT driver_agg(conv, features) FROM drv_customers), 0) r,
       jsonb_each(to_jsonb(r) - 'feature' - 'with_feature' - 'converted_with' - 'without_feature' - 'converted_without' - 'test') j) g
FULL JOIN drv_ref USING (feature, col)
WHERE NOT ((got IS NULL AND ref IS NULL) OR abs(got - ref) <= 1e-9 * abs(ref));
-- min_customers (default 30) leaves out the rare features
SELECT feature, with_feature FROM driver_report((SELECT driver_agg(conv, features) FROM drv_customers));
-- Fisher's exact test on a published example: the lady tasting tea
-- [[3,1],[1,3]], p = 17/35 (Fisher 1935).  The rule's boundary: in
-- [[1,9],[11,3]] the smallest expected count is exactly 5, so the test is
-- Pearson's chi-square (N (ad - bc)^2 / margins = 384/35, p from
-- mpmath 0.00092527403711976191806; Fisher's p would be 0.002759).  A 0
-- cell: Haldane's correction (odds ratio (0.5 * 0.5) / (5.5 * 5.5)); p =
-- 2 / C(10, 5) (the two extreme tables).
SELECT feature, pg_temp.r(p_value) AS p_value, pg_temp.r(17.0 / 35) AS "17/35", test
FROM driver_report('v1 n=8 conversions=4 features=1 "tea" with=4 converted=3', 0);
SELECT feature, pg_temp.r(p_value) AS p_value, abs(p_value / 0.00092527403711976191806 - 1) < 1e-9 AS matches, test,
       pg_temp.r(odds_ratio) AS odds_ratio, pg_temp.r(1.0 * 3 / (9 * 11)) AS by_hand
FROM driver_report('v1 n=24 conversions=12 features=1 "dieting" with=10 converted=1', 0);
SELECT feature, pg_temp.r(odds_ratio) AS odds_ratio, pg_temp.r(0.25 / 30.25) AS by_hand,
       pg_temp.r(odds_ratio_ci_low) AS ci_low, pg_temp.r(exp(ln(0.25 / 30.25) - 1.959963984540054 * sqrt(2 / 0.5 + 2 / 5.5))) AS ci_low_by_hand,
       pg_temp.r(p_value) AS p_value, pg_temp.r(2.0 / 252) AS "2/252"
FROM driver_report('v1 n=10 conversions=5 features=1 "zero_cell" with=5 converted=0', 0);
-- nobody converted: no phi, p = 1; a feature everybody has: no comparison
SELECT * FROM driver_report('v1 n=10 conversions=0 features=2 "a" with=5 converted=0 "all" with=10 converted=0', 0);
SELECT driver_report(NULL);
SELECT * FROM driver_report('v1 n=0 conversions=0 features=0', -1);
SELECT * FROM driver_report('v1 n=0 conversions=0 features=0', NULL);

-- serial = forced parallel = rollup of parts
CREATE TABLE drv_serial AS SELECT driver_agg(conv, features)::text AS d FROM drv_customers;
SELECT rollup(d)::text = (SELECT d FROM drv_serial) AS parts_equal_whole
FROM (SELECT driver_agg(conv, features) d FROM drv_customers GROUP BY customer % 13) s;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
\i test/force_parallel_on.psql
EXPLAIN (COSTS OFF) SELECT driver_agg(conv, features) FROM drv_customers;
SELECT driver_agg(conv, features)::text = (SELECT d FROM drv_serial) AS parallel_equal_serial FROM drv_customers;
\i test/force_parallel_off.psql
RESET ALL;

-- hostile text
SELECT s AS input, pg_temp.try('drivers', s) AS result FROM unnest(ARRAY[
  '', 'v2 n=0 conversions=0 features=0', 'v1 n=1 conversions=2 features=0',
  'v1 n=2 conversions=1 features=1 "a" with=3 converted=0', 'v1 n=2 conversions=1 features=1 "a" with=0 converted=0',
  'v1 n=2 conversions=1 features=1 "a" with=2 converted=2', 'v1 n=4 conversions=1 features=1 "a" with=3 converted=0 x',
  'v1 n=4 conversions=1 features=2 "b" with=1 converted=0 "a" with=1 converted=0',
  'v1 n=4 conversions=1 features=1 "a" with=1', 'v1 n=4 conversions=1 features=2 "a" with=1 converted=0',
  'v1 n=-4 conversions=1 features=0', 'v1 n=4 conversions=1 features=10001']) s;
SELECT d::text::drivers::text = d::text AS text_round_trip, d
FROM (SELECT driver_agg(c, f) d FROM (VALUES (true, '{"quote\"d", "back\\slash", "", "ünïcødé"}'::text[]), (false, NULL)) t(c, f)) s;

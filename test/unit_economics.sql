-- Properties of unit_economics and ltv_per_unit on random units, against
-- the formulas written in plain SQL.
BEGIN;
SELECT plan(9);

SELECT setseed(0.777);
CREATE TEMP TABLE u AS
SELECT i, (i % 5) AS channel,
       CASE WHEN random() < 0.4 THEN 0 ELSE round((random() * 500)::numeric, 2) END AS revenue,
       round((random() * 200)::numeric, 3) AS cost,
       NULL::bigint AS purchases,
       CASE WHEN random() < 0.2 THEN NULL ELSE round((random() * 40)::numeric, 2) END AS acquisition_cost
FROM generate_series(1, 5000) i;
UPDATE u SET purchases = CASE WHEN revenue = 0 THEN 0 ELSE 1 + (random() * 6)::int END;

CREATE TEMP TABLE report AS
SELECT metric, value FROM unit_economics_report((SELECT unit_economics(revenue, cost, purchases, acquisition_cost) FROM u));

-- reference figures from plain aggregates
CREATE TEMP TABLE ref AS
WITH s AS (
  SELECT count(*)::numeric AS ua, count(*) FILTER (WHERE purchases > 0)::numeric AS buyers,
         sum(purchases)::numeric AS purchases, sum(revenue) AS revenue, sum(cost) AS cost,
         sum(acquisition_cost) AS acq, count(acquisition_cost)::numeric AS acq_units,
         count(acquisition_cost) FILTER (WHERE purchases > 0)::numeric AS acq_buyers
  FROM u)
SELECT * FROM s, LATERAL (VALUES
  ('ua', ua), ('buyers', buyers), ('c1', trim_scale(buyers / ua)), ('purchases', purchases),
  ('revenue', revenue), ('cost', cost), ('avp', trim_scale(revenue / purchases)),
  ('apc', trim_scale(purchases / buyers)), ('cogs', trim_scale(cost / purchases)),
  ('arppu', trim_scale(revenue / buyers)), ('arpu', trim_scale(revenue / ua)),
  ('cltv', trim_scale((revenue - cost) / buyers)), ('ltv', trim_scale((revenue - cost) / ua)),
  ('units_with_acquisition_cost', acq_units), ('acquisition_cost', acq),
  ('cpa', trim_scale(acq / acq_units)), ('cac', trim_scale(acq / acq_buyers))) v(metric, value);

SELECT is_empty($$
  SELECT metric, r.value, f.value FROM ref r JOIN report f USING (metric) WHERE r.value IS DISTINCT FROM f.value
$$, 'every sum and ratio equals the plain-SQL formula, digit for digit');
SELECT is((SELECT count(*) FROM ref r JOIN report f USING (metric))::int, 17, 'the 17 direct figures were compared');
SELECT is((SELECT value FROM report WHERE metric = 'ltv_cac'),
          trim_scale((SELECT value FROM report WHERE metric = 'cltv') / (SELECT value FROM report WHERE metric = 'cac')),
          'ltv_cac = cltv / cac');
SELECT is((SELECT value FROM report WHERE metric = 'contribution_margin'),
          (SELECT value FROM report WHERE metric = 'contribution_margin_per_unit') * (SELECT value FROM report WHERE metric = 'ua'),
          'contribution margin = per-unit margin x units');
SELECT is((SELECT ltv_per_unit(revenue, cost, purchases, acquisition_cost) FROM u),
          (SELECT trim_scale((sum(revenue) - sum(cost)) / count(*)) FROM u), 'ltv_per_unit = (sum revenue - sum cost) / units');

-- merging any split gives the whole, exactly
SELECT is((SELECT rollup(s)::text FROM (SELECT unit_economics(revenue, cost, purchases, acquisition_cost) s FROM u GROUP BY channel) x),
          (SELECT unit_economics(revenue, cost, purchases, acquisition_cost)::text FROM u), 'rollup of channels = total');
SELECT is((SELECT unit_economics(revenue, cost, purchases, acquisition_cost ORDER BY random())::text FROM u),
          (SELECT unit_economics(revenue, cost, purchases, acquisition_cost)::text FROM u), 'row order does not matter');

-- text round trip of every channel's value
SELECT is_empty($$
  SELECT channel FROM (SELECT channel, unit_economics(revenue, cost, purchases, acquisition_cost) s FROM u GROUP BY channel) x
  WHERE s::text::unit_economics::text <> s::text
$$, 'text round trip is exact');

SELECT throws_ok($$SELECT unit_economics(1e37, 0, 1, 0) FROM generate_series(1, 20)$$, '22003', 'exact sum out of range');

SELECT * FROM finish();
ROLLBACK;

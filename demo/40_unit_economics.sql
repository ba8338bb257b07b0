-- Unit economics on the bundled UCI Online Retail invoices.
\pset null '-'
SET timezone = 'UTC';

\echo
\echo '=== Unit economics: UCI Online Retail, Dec 2010 - Dec 2011 (4,372 customers with an id) ==='
\echo 'One acquired unit per customer id: revenue net of cancellations, purchases = invoices with a'
\echo 'positive amount.  The data carry no costs, so we ASSUME: cost of goods = 60% of net revenue,'
\echo 'acquisition cost = 25 per UK customer and 40 per customer abroad (unknown for 2011-12 sign-ups).'
CREATE TEMP TABLE retail_units AS
SELECT customer_id,
       CASE WHEN min(country) = 'United Kingdom' THEN 'United Kingdom' ELSE 'abroad' END AS market,
       to_char(min(invoiced_at), 'YYYY-"Q"Q') AS first_quarter,
       sum(amount) AS revenue, round(sum(amount) * 0.6, 2) AS cost,
       count(*) FILTER (WHERE amount > 0) AS purchases,
       CASE WHEN min(invoiced_at) >= '2011-12-01' THEN NULL
            WHEN min(country) = 'United Kingdom' THEN 25.00 ELSE 40.00 END AS acquisition_cost
FROM retail_invoices WHERE customer_id IS NOT NULL GROUP BY customer_id;

\echo 'Every figure, for BI tools: unit_economics_report(unit_economics(revenue, cost, purchases, acquisition_cost))'
SELECT metric, round(value, 2) AS value
FROM unit_economics_report((SELECT unit_economics(revenue, cost, purchases, acquisition_cost) FROM retail_units));

\echo 'By market: one unit_economics value per market, read side by side'
SELECT market,
       max(value) FILTER (WHERE metric = 'ua') AS ua,
       round(max(value) FILTER (WHERE metric = 'avp'), 2) AS avp,
       round(max(value) FILTER (WHERE metric = 'apc'), 2) AS apc,
       round(max(value) FILTER (WHERE metric = 'ltv'), 2) AS ltv,
       round(max(value) FILTER (WHERE metric = 'cac'), 2) AS cac,
       round(max(value) FILTER (WHERE metric = 'ltv_cac'), 1) AS ltv_cac,
       round(max(value) FILTER (WHERE metric = 'payback_purchases'), 2) AS payback_purchases
FROM (SELECT market, unit_economics(revenue, cost, purchases, acquisition_cost) AS ue
      FROM retail_units GROUP BY market) s, unit_economics_report(ue)
GROUP BY market ORDER BY market;

\echo 'LTV per unit by quarter of first purchase (older cohorts have had longer to buy):'
SELECT first_quarter, count(*) AS units,
       round(ltv_per_unit(revenue, cost, purchases, acquisition_cost), 2) AS ltv_per_unit
FROM retail_units GROUP BY first_quarter ORDER BY first_quarter;

\echo 'Merging the per-quarter values gives the total (rollup(unit_economics)):'
SELECT rollup(ue)::text = (SELECT unit_economics(revenue, cost, purchases, acquisition_cost)::text FROM retail_units)
       AS rollup_equals_total, round(ltv_per_unit(rollup(ue)), 2) AS ltv_per_unit
FROM (SELECT unit_economics(revenue, cost, purchases, acquisition_cost) AS ue FROM retail_units GROUP BY first_quarter) s;

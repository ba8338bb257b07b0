-- Revenue per cohort and payback on the bundled UCI Online Retail
-- invoices (Dec 2010 - Dec 2011): each customer's revenue per 30-day
-- period since their first invoice (value_periods, with as_of = the
-- data's last invoice, so periods not yet over are not observed), rolled
-- up per first-invoice quarter (cohort_value), read as revenue curves
-- (cohort_value_matrix) and a payback period (payback_period).
\pset null '-'
SET timezone = 'UTC';

\echo
\echo '=== Revenue per cohort and payback: UCI Online Retail, cohorts by quarter of first invoice ==='
\echo 'Period k = days [30k, 30k+30) after a customer''s own first invoice; the data end on 2011-12-09 12:50,'
\echo 'so the later cohorts are observed for fewer periods (-: nobody in the cohort completed that period).'
CREATE TEMP TABLE retail_cohorts AS
SELECT to_char(first_at, 'YYYY-"Q"Q') AS cohort, cohort_value(vals) AS cv
FROM (SELECT customer_id, f.first_at,
             value_periods(invoiced_at, amount, f.first_at, '30 days', 12, '2011-12-09 12:50') AS vals
      FROM retail_invoices i
      JOIN (SELECT customer_id, min(invoiced_at) AS first_at FROM retail_invoices
            WHERE customer_id IS NOT NULL GROUP BY customer_id) f USING (customer_id)
      GROUP BY customer_id, f.first_at) per_customer
GROUP BY 1;

\echo 'Cumulative revenue per customer (net of cancellations) after 1, 2, 3, 6, 9 and 12 periods of 30 days'
SELECT cohort, max(cohort_size(cv)) AS customers,
       max(round(m.cumulative_per_customer, 2)) FILTER (WHERE m.period = 0) AS p1,
       max(round(m.cumulative_per_customer, 2)) FILTER (WHERE m.period = 1) AS p2,
       max(round(m.cumulative_per_customer, 2)) FILTER (WHERE m.period = 2) AS p3,
       max(round(m.cumulative_per_customer, 2)) FILTER (WHERE m.period = 5) AS p6,
       max(round(m.cumulative_per_customer, 2)) FILTER (WHERE m.period = 8) AS p9,
       max(round(m.cumulative_per_customer, 2)) FILTER (WHERE m.period = 11) AS p12
FROM retail_cohorts LEFT JOIN LATERAL cohort_value_matrix(cv) m ON true
GROUP BY cohort ORDER BY cohort;

\echo 'One cohort in full, as a BI tool charts it (cohort_value_matrix): 2011-Q1'
SELECT period, observed, paying, revenue, round(revenue_per_customer, 2) AS revenue_per_customer,
       round(cumulative_per_customer, 2) AS cumulative_per_customer
FROM retail_cohorts, cohort_value_matrix(cv) WHERE cohort = '2011-Q1' ORDER BY period;

\echo 'Payback: the first period whose cumulative margin per customer covers the acquisition cost.'
\echo 'The data carry no costs, so we ASSUME (as in the unit economics above) a margin of 40% of revenue,'
\echo 'and acquisition costs of 200, 400 and 800 per (wholesale) customer (-: not paid back within the observed periods).'
SELECT cohort, payback_period(cv, 200, 0.4) AS payback_at_200, payback_period(cv, 400, 0.4) AS payback_at_400,
       payback_period(cv, 800, 0.4) AS payback_at_800
FROM retail_cohorts ORDER BY cohort;
SELECT payback_period(rollup(cv), 400, 0.4) AS all_cohorts_payback_at_400 FROM retail_cohorts;
\pset null ''

-- RFM segmentation of the UCI Online Retail customers (data/README.md).
\echo
\echo '=== RFM: who are the Champions, who is At Risk? (UCI Online Retail, Dec 2010 - Dec 2011) ==='
\echo 'One row per customer from retail_invoices: invoices without a customer id are left out,'
\echo 'and so are cancellations (invoice numbers starting with C, negative amounts) and'
\echo 'the bad-debt adjustments (A...): we keep invoices with a customer id and amount > 0.'
\echo 'Recency = last invoice, frequency = number of invoices, monetary = total amount;'
\echo 'rfm_score(...) OVER () scores each customer 1..5 on each against all the others.'

CREATE TEMP VIEW retail_customers AS
SELECT customer_id, max(invoiced_at) AS last_purchase, count(*) AS invoices, sum(amount) AS revenue
FROM retail_invoices
WHERE customer_id IS NOT NULL AND invoice_no NOT LIKE 'C%' AND amount > 0
GROUP BY customer_id;

CREATE TEMP TABLE retail_rfm AS
SELECT c.*, rfm_score(last_purchase, invoices, revenue) OVER () AS rfm
FROM retail_customers c;

\echo
\echo '--- Segments (default map on R and the mean of F and M), largest first ---'
SELECT rfm_segment(rfm) AS segment,
       count(*) AS customers,
       round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS "% customers",
       round(sum(revenue)) AS revenue,
       round(100.0 * sum(revenue) / sum(sum(revenue)) OVER (), 1) AS "% revenue",
       round(avg(date_part('day', timestamptz '2011-12-10' - last_purchase))) AS "days since last",
       round(avg(invoices), 1) AS "avg invoices"
FROM retail_rfm GROUP BY 1 ORDER BY 2 DESC;

\echo
\echo '--- The ten most common RFM cells ---'
SELECT rfm, rfm_segment(rfm) AS segment, count(*) AS customers, round(avg(revenue), 2) AS "avg revenue"
FROM retail_rfm GROUP BY rfm ORDER BY 3 DESC, 1 DESC LIMIT 10;

\echo
\echo '--- Why not three NTILE(5)? Nearly 1,500 customers have exactly one invoice ---'
\echo 'NTILE cuts them into different frequency tiles by row order; rfm_score gives them all 1.'
SELECT invoices, count(*) AS customers,
       count(DISTINCT frequency_score(rfm)) AS "distinct F scores, rfm_score",
       count(DISTINCT nt) AS "distinct tiles, NTILE(5)",
       min(nt) || '..' || max(nt) AS "tiles"
FROM (SELECT *, ntile(5) OVER (ORDER BY invoices) AS nt FROM retail_rfm) x
WHERE invoices <= 3 GROUP BY invoices ORDER BY invoices;

\echo
\echo '--- The same population as a stored model (rfm_model), and its cut points ---'
\echo 'A model keeps each dimension exact up to 4,096 distinct values; here the last-invoice'
\echo 'times have more, so recency is kept at a resolution of 2^shift microseconds.'
CREATE TEMP TABLE retail_model AS
SELECT rfm_model(last_purchase, invoices, revenue) AS model FROM retail_customers;
SELECT rfm_population(model) AS customers, rfm_is_exact(model) AS exact,
       make_interval(secs => 2 ^ substring(model::text from ' r=([0-9]+)')::int / 1e6) AS "recency resolution",
       length(model::text) AS "text bytes" FROM retail_model;
SELECT dimension, score, customers,
       coalesce(lower_time::date::text, round(lower::numeric, 2)::text) AS "above",
       coalesce(upper_time::date::text, round(upper::numeric, 2)::text) AS "up to"
FROM retail_model, rfm_thresholds(model);

\echo
\echo '--- Scoring tomorrow''s customers against the stored model ---'
SELECT who, rfm_score(model, last_purchase, invoices, revenue) AS rfm,
       rfm_segment(rfm_score(model, last_purchase, invoices, revenue)) AS segment
FROM retail_model, (VALUES ('bought yesterday, first order of 25.00', timestamptz '2011-12-09', 1, 25.00),
                           ('bought a year ago, 12 orders, 5000.00', '2010-12-15', 12, 5000.00),
                           ('bought last week, 8 orders, 3000.00', '2011-12-02', 8, 3000.00)) v(who, last_purchase, invoices, revenue);
SELECT count(*) AS customers,
       count(*) FILTER (WHERE rfm_score(model, last_purchase, invoices, revenue) = rfm) AS "same score from the model"
FROM retail_rfm, retail_model;

\echo
\echo '--- Where to spend effort: segment, customers, revenue share, action (rfm_segment_actions) ---'
\echo 'The default segment map carries a priority (1 = first) and an action per segment.'
SELECT a.priority, r.segment, count(*) AS customers,
       round(100.0 * sum(r.revenue) / sum(sum(r.revenue)) OVER (), 1) AS "% revenue",
       a.action
FROM (SELECT rfm_segment(rfm) AS segment, revenue FROM retail_rfm) r
JOIN rfm_segment_actions() a USING (segment)
GROUP BY a.priority, r.segment, a.action ORDER BY a.priority;

\echo
\echo '--- A scale per dimension: recency on 5, frequency on 3, monetary on 4 ---'
\echo 'rfm_score(..., ARRAY[5, 3, 4]) OVER (): each dimension ranked on its own scale;'
\echo 'rfm_segment maps each score to 1..5 first.'
SELECT g.score, count(*) FILTER (WHERE recency_score(s) = g.score) AS "R customers (of 5)",
       count(*) FILTER (WHERE frequency_score(s) = g.score) AS "F customers (of 3)",
       count(*) FILTER (WHERE monetary_score(s) = g.score) AS "M customers (of 4)"
FROM (SELECT rfm_score(last_purchase, invoices, revenue, ARRAY[5, 3, 4]) OVER () AS s FROM retail_customers) x,
     generate_series(1, 5) g(score)
GROUP BY g.score ORDER BY g.score;

\echo
\echo '--- Fixed cut points: the business''s own thresholds (rfm_score_fixed) ---'
\echo 'R: bought within 7 / 30 / 90 / 180 days of 2011-12-10; F: 2 / 5 / 10 / 20 invoices; M: 500 / 2000 / 10000.'
SELECT rfm_segment(s) AS segment, count(*) AS customers
FROM (SELECT rfm_score_fixed(last_purchase, invoices, revenue, '2011-12-10',
                             '{180 days,90 days,30 days,7 days}', '{2,5,10,20}', '{500,2000,10000}') AS s
      FROM retail_customers) x
GROUP BY 1 ORDER BY 2 DESC;

\echo
\echo '--- Migration: how customers moved between segments from 2011-09-01 to 2011-12-10 ---'
\echo 'Scores as of each date (fixed cuts, so both are on the same scale); NULL = no purchase yet.'
CREATE TEMP VIEW retail_as_of AS
SELECT customer_id, d AS as_of, max(invoiced_at) AS last_purchase, count(*) AS invoices, sum(amount) AS revenue
FROM retail_invoices, (VALUES (timestamptz '2011-09-01'), (timestamptz '2011-12-10')) v(d)
WHERE customer_id IS NOT NULL AND invoice_no NOT LIKE 'C%' AND amount > 0 AND invoiced_at < d
GROUP BY customer_id, d;
CREATE TEMP TABLE retail_moves AS
SELECT rfm_transitions(b.s, a.s) AS t
FROM (SELECT customer_id, rfm_score_fixed(last_purchase, invoices, revenue, as_of,
                                          '{180 days,90 days,30 days,7 days}', '{2,5,10,20}', '{500,2000,10000}') AS s
      FROM retail_as_of WHERE as_of = '2011-09-01') b
FULL JOIN (SELECT customer_id, rfm_score_fixed(last_purchase, invoices, revenue, as_of,
                                               '{180 days,90 days,30 days,7 days}', '{2,5,10,20}', '{500,2000,10000}') AS s
           FROM retail_as_of WHERE as_of = '2011-12-10') a USING (customer_id);
SELECT coalesce(from_segment, '(new)') AS "from", to_segment AS "to", customers
FROM retail_moves, rfm_transition_rows(t)
WHERE from_segment IS DISTINCT FROM to_segment
ORDER BY customers DESC LIMIT 10;

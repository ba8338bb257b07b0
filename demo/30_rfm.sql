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

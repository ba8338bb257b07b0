-- Time to first value and duration distributions on the bundled data.
\pset null '-'
SET intervalstyle = postgres;
SET timezone = 'UTC';

\echo
\echo '=== Time to first value: signup -> first report (synthetic SaaS product, 2,000 customers) ==='
\echo 'Per weekly signup cohort: median and p90 of time_to_first_value, and who has not got there yet.'
SELECT to_char(date_trunc('week', signed_up_at), 'YYYY-MM-DD') AS cohort_week,
       count(*) AS customers,
       count(ttfv) AS reached_value,
       justify_hours(date_trunc('minute', quantile(duration_agg(ttfv), 0.5))) AS median_ttfv,
       justify_hours(date_trunc('minute', quantile(duration_agg(ttfv), 0.9))) AS p90_ttfv,
       count(*) FILTER (WHERE ttfv IS NULL) AS not_yet
FROM (SELECT c.id, c.signed_up_at,
             time_to_first_value(e.ts, c.signed_up_at, e.name = 'first_report') AS ttfv
      FROM customers c LEFT JOIN events e ON e.customer_id = c.id
      GROUP BY c.id) t
GROUP BY 1 ORDER BY 1;

\echo 'By acquisition channel, from one durations summary per channel:'
SELECT channel, num_vals(d) AS reached_value, date_trunc('minute', min_val(d)) AS fastest,
       date_trunc('minute', quantile(d, 0.5)) AS median, date_trunc('minute', mean(d)) AS mean,
       date_trunc('minute', quantile(d, 0.9)) AS p90
FROM (SELECT c.channel, duration_agg(t.ttfv) AS d
      FROM customers c
      JOIN (SELECT customer_id, time_to_first_value(ts, name = 'signup', name = 'first_report') AS ttfv
            FROM events GROUP BY customer_id) t ON t.customer_id = c.id
      GROUP BY c.channel) s
ORDER BY median;

\echo 'Distribution to chart: histogram(duration_agg(ttfv), 8)'
SELECT date_trunc('minute', lower) AS from_, date_trunc('minute', upper) AS to_, count,
       repeat('#', (count / 12)::int) AS bar
FROM histogram((SELECT duration_agg(ttfv)
                FROM (SELECT time_to_first_value(ts, name = 'signup', name = 'first_report') AS ttfv
                      FROM events GROUP BY customer_id) t), 8);

\echo 'Who signed up more than 7 days ago and still has no first report (for a nudge): the 5 oldest'
SELECT c.id AS customer, c.channel, c.plan, to_char(c.signed_up_at, 'YYYY-MM-DD HH24:MI') AS signed_up
FROM customers c LEFT JOIN events e ON e.customer_id = c.id
GROUP BY c.id
HAVING time_to_first_value(e.ts, c.signed_up_at, e.name = 'first_report') IS NULL
   AND c.signed_up_at < (SELECT max(ts) FROM events) - interval '7 days'
ORDER BY c.signed_up_at LIMIT 5;

\echo
\echo '=== Time to the second order (real data: UCI Online Retail, 2010-12 .. 2011-12) ==='
\echo 'Start = the customer''s first invoice; value = any later invoice (cancellations left out).'
WITH orders AS (
  SELECT customer_id, invoiced_at FROM retail_invoices
  WHERE customer_id IS NOT NULL AND invoice_no NOT LIKE 'C%'),
firsts AS (SELECT customer_id, min(invoiced_at) AS first_order FROM orders GROUP BY 1),
per_customer AS (
  SELECT f.customer_id, f.first_order,
         time_to_first_value(o.invoiced_at, f.first_order, o.invoiced_at > f.first_order) AS to_second
  FROM firsts f JOIN orders o USING (customer_id)
  GROUP BY f.customer_id, f.first_order)
SELECT to_char(date_trunc('quarter', first_order), 'YYYY-"Q"Q') AS first_order_quarter,
       count(*) AS customers,
       round(100.0 * count(to_second) / count(*), 1) AS pct_ordered_again,
       date_trunc('day', quantile(duration_agg(to_second), 0.25)) AS p25,
       date_trunc('day', quantile(duration_agg(to_second), 0.5)) AS median,
       date_trunc('day', quantile(duration_agg(to_second), 0.9)) AS p90
FROM per_customer GROUP BY 1 ORDER BY 1;

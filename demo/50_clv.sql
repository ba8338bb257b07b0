-- Predictive CLV (BG/NBD + Gamma-Gamma) on the bundled CDNOW sample.
\pset null '-'
SET timezone = 'UTC';

\echo
\echo '=== Predictive CLV: CDNOW, 2,357 customers who first bought in Q1 1997 ==='
\echo 'Calibration: purchases up to 1997-09-30 (39 weeks).  clv_inputs collapses same-day purchases;'
\echo 'recency and t come in days (period 1 day) and are divided by 7 to work in weeks like the papers.'
CREATE TEMP TABLE cdnow_rfm AS
SELECT sample_id AS customer_id, frequency, recency / 7 AS recency, t / 7 AS t, monetary
FROM (SELECT sample_id, (clv_inputs(day, amount, '1997-09-30', '1 day')).* FROM cdnow_transactions GROUP BY sample_id) s;
SELECT customer_id, frequency, round(recency::numeric, 2) AS recency_weeks, round(t::numeric, 2) AS t_weeks,
       round(monetary, 2) AS monetary
FROM cdnow_rfm ORDER BY customer_id LIMIT 5;

\echo 'Fit both models in the database and keep them in a table (a nightly pg_cron job would do this):'
CREATE TEMP TABLE clv_models AS
SELECT now()::date AS fitted_on,
       (SELECT bgnbd_fit(frequency, recency, t) FROM cdnow_rfm) AS bgnbd,
       (SELECT gamma_gamma_fit(frequency, monetary) FROM cdnow_rfm) AS gg;
\echo 'Each fit says how it ended: converged (false when it ran to a boundary, with a WARNING), iterations, gradient norm.'
SELECT 'BG/NBD' AS model, name, round(value::numeric, 4) AS value, converged FROM clv_models, clv_params(bgnbd)
UNION ALL
SELECT 'Gamma-Gamma', name, round(value::numeric, 4), converged FROM clv_models, clv_params(gg);

\echo 'Published (Fader, Hardie & Lee 2005): r 0.243, alpha 4.414, a 0.793, b 2.426, LL -9582.4; p 6.25, q 3.74, gamma 15.44'

\echo 'The 10 most valuable customers over the next year (52 weeks, 10%/year discount = 0.18%/week):'
SELECT customer_id, frequency, round(recency::numeric, 1) AS recency, round(t::numeric, 1) AS t,
       round(monetary, 2) AS avg_spend,
       round(probability_alive(bgnbd, frequency, recency, t)::numeric, 3) AS p_alive,
       round(expected_purchases(bgnbd, 52, frequency, recency, t)::numeric, 2) AS purchases_52w,
       round(expected_avg_value(gg, frequency, monetary)::numeric, 2) AS expected_spend,
       round(customer_lifetime_value(bgnbd, gg, frequency, recency, t, monetary, 52, 0.0018)::numeric, 2) AS clv_52w
FROM cdnow_rfm, clv_models
ORDER BY clv_52w DESC LIMIT 10;

\echo 'Who to win back: frequent buyers who have gone quiet (P(alive) < 0.3), most valuable first:'
SELECT customer_id, frequency, round(recency::numeric, 1) AS last_purchase_week, round(monetary, 2) AS avg_spend,
       round(probability_alive(bgnbd, frequency, recency, t)::numeric, 3) AS p_alive
FROM cdnow_rfm, clv_models
WHERE frequency >= 3 AND probability_alive(bgnbd, frequency, recency, t) < 0.3
ORDER BY frequency * monetary DESC LIMIT 5;

\echo 'The customer base by P(alive):'
SELECT width_bucket(probability_alive(bgnbd, frequency, recency, t), 0, 1.000001, 5) AS bucket,
       round(min(probability_alive(bgnbd, frequency, recency, t))::numeric, 2) AS from_p,
       round(max(probability_alive(bgnbd, frequency, recency, t))::numeric, 2) AS to_p,
       count(*) AS customers,
       round(sum(expected_purchases(bgnbd, 39, frequency, recency, t))::numeric, 0) AS expected_purchases_next_39w
FROM cdnow_rfm, clv_models GROUP BY 1 ORDER BY 1;

\echo 'Check on the holdout: predicted vs actual purchases in weeks 40-78 (1997-10-01 .. 1998-06-30):'
SELECT round(sum(expected_purchases(bgnbd, 39, frequency, recency, t))::numeric, 0) AS predicted,
       (SELECT count(DISTINCT (sample_id, day)) FROM cdnow_transactions WHERE day > '1997-09-30') AS actual
FROM cdnow_rfm, clv_models;

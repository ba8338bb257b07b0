-- Loads journey's bundled sample data into the current database (run from
-- the repository root: paths are relative to it).  See data/README.md.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

-- CDNOW: the 1/10 sample used in the BG/NBD papers (2,357 customers who
-- first bought in Q1 1997), one row per transaction.
DROP TABLE IF EXISTS cdnow_transactions, cdnow_summary, retail_invoices, customers, events CASCADE;
CREATE TABLE cdnow_transactions (customer_id int, sample_id int, day date, cds int, amount numeric(10,2));
CREATE TEMP TABLE cdnow_raw (line text);
\copy cdnow_raw FROM 'data/cdnow_sample.txt'
INSERT INTO cdnow_transactions
SELECT f[1]::int, f[2]::int, to_date(f[3], 'YYYYMMDD'), f[4]::int, f[5]::numeric
FROM (SELECT regexp_split_to_array(btrim(line), '\s+') AS f FROM cdnow_raw) s;
DROP TABLE cdnow_raw;

-- The papers' per-customer summary of the same sample over the 39-week
-- calibration period (weeks): x repeat purchases, recency t_x, age T,
-- zbar mean value of the repeat purchases.
CREATE TABLE cdnow_summary (customer_id int PRIMARY KEY, x int, t_x float8, t float8, zbar numeric);
\copy cdnow_summary FROM 'data/cdnow_summary.csv' WITH (FORMAT csv, HEADER true)

-- UCI Online Retail, one row per invoice (summed from its lines; see
-- data/README.md).  Real mess kept: NULL customer ids, cancellations
-- ('C' invoices with negative amounts).
CREATE TABLE retail_invoices (invoice_no text PRIMARY KEY, customer_id int, invoiced_at timestamptz,
                              amount numeric(12,2), items int, lines int, country text);
\copy retail_invoices FROM 'data/online_retail_invoices.csv' WITH (FORMAT csv, HEADER true)

-- A synthetic SaaS product's customers and events (generated here from a
-- fixed seed, so every run gets the same rows): signup, activate,
-- first_report (the "value" moment), use, purchase.
CREATE TABLE customers (id int PRIMARY KEY, signed_up_at timestamptz NOT NULL, channel text NOT NULL, plan text NOT NULL);
CREATE TABLE events (customer_id int NOT NULL, ts timestamptz NOT NULL, name text NOT NULL);
SELECT setseed(0.20261123) \g /dev/null
INSERT INTO customers
SELECT i,
       timestamptz '2026-01-05 00:00+00' + (i - 1) * interval '59 minutes' + random() * interval '50 minutes',
       (ARRAY['organic','ads','referral','partner'])[1 + (i * 7919) % 4],
       (ARRAY['free','pro','team'])[1 + (i * 104729) % 3]
FROM generate_series(1, 2000) i;

INSERT INTO events
WITH c AS (
  SELECT id, signed_up_at, channel,
         random() AS u_act, random() AS u_use, random() AS u_pay, random() AS u_keep,
         random() AS t1, random() AS t2, random() AS t3
  FROM customers ORDER BY id),
steps AS (
  SELECT c.*,
         CASE WHEN u_act < (CASE channel WHEN 'ads' THEN 0.70 ELSE 0.85 END)
              THEN signed_up_at + interval '1 minute' + (-ln(1 - t1)) * interval '6 hours' END AS activated_at,
         (-ln(1 - t2)) * interval '2 days' AS to_value,
         (-ln(1 - t3)) * interval '5 days' AS to_pay
  FROM c)
SELECT id, signed_up_at, 'signup' FROM steps
UNION ALL
SELECT id, activated_at, 'activate' FROM steps WHERE activated_at IS NOT NULL
UNION ALL
SELECT id, activated_at + to_value, 'first_report' FROM steps WHERE activated_at IS NOT NULL AND u_use < 0.75
UNION ALL
SELECT id, activated_at + to_value + to_pay, 'purchase' FROM steps WHERE activated_at IS NOT NULL AND u_use < 0.75 AND u_pay < 0.45
UNION ALL
-- usage after first value: a session every few days while the customer
-- keeps using the product, for a tenure that depends on u_keep
SELECT id, activated_at + to_value + g * interval '3 days' + (random() * interval '2 days'), 'use'
FROM steps, generate_series(1, 40) g
WHERE activated_at IS NOT NULL AND u_use < 0.75 AND g <= 1 + floor(u_keep * u_keep * 40)
UNION ALL
-- some come back after a long break
SELECT id, activated_at + to_value + interval '70 days' + g * interval '2 days', 'use'
FROM steps, generate_series(1, 5) g
WHERE activated_at IS NOT NULL AND u_use < 0.75 AND u_keep < 0.15 AND id % 3 = 0;
CREATE INDEX ON events (customer_id, ts);
ANALYZE cdnow_transactions, cdnow_summary, retail_invoices, customers, events;
RESET client_min_messages;

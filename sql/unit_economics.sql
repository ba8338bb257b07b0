-- Unit economics: one row per acquired unit (customer) with its revenue,
-- cost, number of purchases and acquisition cost.
\set ECHO none
\set QUIET 1
\i data/load.sql
\set QUIET 0
\set ON_ERROR_STOP 0
\set ECHO all

-- Four acquired units: a buyer with two purchases, a unit that never
-- bought, a unit we know nothing about (a LEFT JOIN gave NULLs: it counts
-- as a unit with no purchase and an unknown acquisition cost), and a buyer
-- whose acquisition cost is unknown.
CREATE TABLE units (unit text, channel text, revenue numeric, cost numeric, purchases bigint, acquisition_cost numeric);
INSERT INTO units VALUES
  ('A', 'ads',     100.00, 60.00, 2,    10.00),
  ('B', 'ads',       0,     0,    0,     8.00),
  ('C', 'organic', NULL,  NULL,  NULL,  NULL),
  ('D', 'organic',  40.25, 20.00, 1,    NULL);

SELECT unit_economics(revenue, cost, purchases, acquisition_cost) FROM units;

-- Every figure; by hand: UA 4, buyers 2, C1 = 2/4, revenue 140.25 over 3
-- purchases (AvP 46.75, COGS 80/3), APC 3/2, ARPPU 140.25/2, ARPU 140.25/4,
-- margin 60.25: CLTV 60.25/2 per buyer, LTV 60.25/4 per unit; acquisition
-- cost known for A and B: 18, CPA 18/2 = 9 per unit, CAC 18/1 (A is the
-- only buyer among them); LTV/CAC = 30.125/18; contribution margin per unit
-- LTV - CPA = 6.0625, times 4 units = 24.25; ROMI 6.0625/9; payback =
-- CAC / margin per purchase = 18 / (60.25/3) purchases.
SELECT * FROM unit_economics_report((SELECT unit_economics(revenue, cost, purchases, acquisition_cost) FROM units));

SELECT ltv_per_unit(revenue, cost, purchases, acquisition_cost) FROM units;

-- combinable: by channel, then the channels merged give the total
SELECT channel, ltv_per_unit(revenue, cost, purchases, acquisition_cost),
       unit_economics(revenue, cost, purchases, acquisition_cost)
FROM units GROUP BY channel ORDER BY channel;
SELECT rollup(ue)::text = (SELECT unit_economics(revenue, cost, purchases, acquisition_cost)::text FROM units) AS same_as_total
FROM (SELECT unit_economics(revenue, cost, purchases, acquisition_cost) ue FROM units GROUP BY channel) s;

-- division by zero gives NULL for that metric only
SELECT r.metric, r.value
FROM unit_economics_report((SELECT unit_economics(0, 0, 0, NULL) FROM generate_series(1, 3))) r;
-- no rows: NULL
SELECT unit_economics(revenue, cost, purchases, acquisition_cost) IS NULL AS empty,
       ltv_per_unit(revenue, cost, purchases, acquisition_cost) IS NULL AS empty_ltv
FROM units WHERE false;

-- money stays exact: ten times 0.1 is 1.0, and a sub-cent price stays
SELECT unit_economics(0.1, 0.0001, 1, 0.3333333333) FROM generate_series(1, 10);
SELECT unit_economics(v, 0, 1, 0) FROM (VALUES (99999999999999999999.99), (0.01)) t(v);

-- errors
SELECT unit_economics(1, 1, -1, 1);
SELECT unit_economics('NaN', 1, 1, 1);
SELECT unit_economics(1e37, 1, 1, 1) FROM generate_series(1, 20);
SELECT unit_economics(1.000000000000000000001, 1, 1, 1);

-- text round trip and hostile input
SELECT 'units=3 buyers=2 purchases=5 revenue=120.50 cost=60.00 acquisition_units=3 acquisition_buyers=2 acquisition_cost=30'::unit_economics;
SELECT ue::text::unit_economics::text = ue::text AS round_trip
FROM (SELECT unit_economics(revenue, cost, purchases, acquisition_cost) ue FROM units) s;
SELECT 'units=1 buyers=2 purchases=5 revenue=0 cost=0 acquisition_units=0 acquisition_buyers=0 acquisition_cost=0'::unit_economics;
SELECT 'units=2 buyers=2 purchases=1 revenue=0 cost=0 acquisition_units=0 acquisition_buyers=0 acquisition_cost=0'::unit_economics;
SELECT 'units=2 buyers=1 purchases=1 revenue=0 cost=0 acquisition_units=0 acquisition_buyers=0 acquisition_cost=5'::unit_economics;
SELECT 'units=1 buyers=1 purchases=1 revenue=1e5 cost=0 acquisition_units=0 acquisition_buyers=0 acquisition_cost=0'::unit_economics;
SELECT 'units=-1 buyers=0 purchases=0 revenue=0 cost=0 acquisition_units=0 acquisition_buyers=0 acquisition_cost=0'::unit_economics;
SELECT 'units=1 buyers=0 purchases=0 revenue=0 cost=0'::unit_economics;
SELECT 'units=99999999999999999999 buyers=0 purchases=0 revenue=0 cost=0 acquisition_units=0 acquisition_buyers=0 acquisition_cost=0'::unit_economics;
SELECT 'units=1 buyers=0 purchases=0 revenue=1.000000000000000000001 cost=0 acquisition_units=0 acquisition_buyers=0 acquisition_cost=0'::unit_economics;
\set SHOW_CONTEXT never
-- binary input (test_recv, from sql/setup.sql, feeds bytes to the
-- receive function): round trip, truncated, inconsistent (7 buyers of 3
-- units), unknown version, a decimal scale of 99
SELECT test_recv('unit_economics', unit_economics_send(ue)) = ue::text AS binary_round_trip
FROM (SELECT unit_economics(revenue, cost, purchases, acquisition_cost) ue FROM units) s;
SELECT test_recv('unit_economics', substr(unit_economics_send('units=3 buyers=2 purchases=5 revenue=120.50 cost=60.00 acquisition_units=3 acquisition_buyers=2 acquisition_cost=30'), 1, 30));
SELECT test_recv('unit_economics', overlay(unit_economics_send('units=3 buyers=2 purchases=5 revenue=120.50 cost=60.00 acquisition_units=3 acquisition_buyers=2 acquisition_cost=30') placing int8send(7) from 10 for 8));
SELECT test_recv('unit_economics', set_byte(unit_economics_send('units=3 buyers=2 purchases=5 revenue=120.50 cost=60.00 acquisition_units=3 acquisition_buyers=2 acquisition_cost=30'), 0, 2));
SELECT test_recv('unit_economics', overlay(unit_economics_send('units=3 buyers=2 purchases=5 revenue=120.50 cost=60.00 acquisition_units=3 acquisition_buyers=2 acquisition_cost=30') placing int4send(99) from 58 for 4));
\set SHOW_CONTEXT errors

-- On real data: the UCI Online Retail customers (one unit per customer
-- id; revenue net of cancellations; assumed cost of goods 60% of revenue
-- and acquisition cost 25 per customer, as the data carry neither).
CREATE TABLE retail_units AS
SELECT customer_id, sum(amount) AS revenue, round(sum(amount) * 0.6, 2) AS cost,
       count(*) FILTER (WHERE amount > 0) AS purchases, 25.00 AS acquisition_cost,
       min(country) AS country
FROM retail_invoices WHERE customer_id IS NOT NULL GROUP BY customer_id;
SELECT * FROM unit_economics_report((SELECT unit_economics(revenue, cost, purchases, acquisition_cost) FROM retail_units))
WHERE metric IN ('ua', 'buyers', 'c1', 'avp', 'apc', 'ltv', 'cac', 'ltv_cac', 'payback_purchases');

-- Forced parallel plans give the serial answer
CREATE TABLE retail_serial AS
SELECT unit_economics(revenue, cost, purchases, acquisition_cost)::text AS ue,
       ltv_per_unit(revenue, cost, purchases, acquisition_cost) AS ltv
FROM retail_units;
CREATE TABLE retail_by_country_serial AS
SELECT country, unit_economics(revenue, cost, purchases, acquisition_cost)::text AS ue FROM retail_units GROUP BY country;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
\i test/force_parallel_on.psql
EXPLAIN (COSTS OFF)
SELECT unit_economics(revenue, cost, purchases, acquisition_cost), ltv_per_unit(revenue, cost, purchases, acquisition_cost)
FROM retail_units;
SELECT unit_economics(revenue, cost, purchases, acquisition_cost)::text = (SELECT ue FROM retail_serial) AS same_ue,
       ltv_per_unit(revenue, cost, purchases, acquisition_cost) = (SELECT ltv FROM retail_serial) AS same_ltv
FROM retail_units;
EXPLAIN (COSTS OFF)
SELECT country, unit_economics(revenue, cost, purchases, acquisition_cost) FROM retail_units GROUP BY country;
SELECT count(*) AS differences FROM (
  (SELECT country, unit_economics(revenue, cost, purchases, acquisition_cost)::text FROM retail_units GROUP BY country
   EXCEPT SELECT * FROM retail_by_country_serial)
  UNION ALL
  (SELECT * FROM retail_by_country_serial
   EXCEPT SELECT country, unit_economics(revenue, cost, purchases, acquisition_cost)::text FROM retail_units GROUP BY country)) d;
RESET ALL;

-- issue 9: output always reads back; a sum of exactly -2^127 (the most
-- negative mantissa) was printed but rejected by the text input in 0.1.0
SELECT u::text::unit_economics::text = u::text AS round_trip, u
FROM (SELECT rollup(u) AS u FROM (SELECT unit_economics(-85070591730234615865843651857942052864, 0, 1, NULL) u
                                  FROM generate_series(1, 2)) s) s;

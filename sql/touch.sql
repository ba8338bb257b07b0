-- Touchpoints: touch_outcomes, touch_report, touch_report_rows, touch_report_totals
SET timezone = 'UTC';
SET extra_float_digits = 0;

-- Two customers: 1 gets welcome_a (opened, clicked), then tips, and buys
-- three times; 2 gets welcome_b, with an open logged before the send
-- (an orphan) and buys once; 3 gets nothing and buys.
CREATE TABLE touch_events (customer int, ts timestamptz, touch text, touch_event text, is_target boolean, value numeric);
INSERT INTO touch_events VALUES
  (1, '2026-01-01 10:00', 'welcome_a', 'sent',    false, NULL),
  (1, '2026-01-01 11:00', 'welcome_a', 'opened',  false, NULL),
  (1, '2026-01-01 12:00', 'welcome_a', 'clicked', false, NULL),
  (1, '2026-01-02 10:00', NULL,        NULL,      true,  25.50),
  (1, '2026-01-03 10:00', 'tips',      'sent',    false, NULL),
  (1, '2026-01-04 10:00', NULL,        NULL,      true,  10),
  (1, '2026-01-20 10:00', NULL,        NULL,      true,  7),
  (2, '2026-01-01 09:00', 'welcome_b', 'opened',  false, NULL),
  (2, '2026-01-01 10:00', 'welcome_b', 'sent',    false, NULL),
  (2, '2026-01-05 10:00', NULL,        NULL,      true,  3),
  (3, '2026-01-05 10:00', NULL,        NULL,      true,  3);

-- one customer's value
SELECT customer, touch_outcomes(ts, touch, touch_event, is_target, '7 days', value)
FROM touch_events GROUP BY customer ORDER BY customer;
SELECT customer, r.* FROM
  (SELECT customer, touch_outcomes(ts, touch, touch_event, is_target, '7 days', value) AS o
   FROM touch_events GROUP BY customer) s, touch_report_rows(o) r
ORDER BY customer, touch;

-- the scorecard under each model
SELECT m AS model, r.touch, r.sent, r.opened, r.clicked, r.converted, r.conversion_rate, r.revenue,
       r.median_time_to_convert, r.median_time_to_convert_seconds, r.orphans
FROM unnest(ARRAY['sent', 'opened', 'last_touch']) WITH ORDINALITY AS x(m, n),
     touch_report_rows((SELECT touch_report(o) FROM
       (SELECT touch_outcomes(ts, touch, touch_event, is_target, '7 days', value, m) AS o
        FROM touch_events GROUP BY customer) s)) r
ORDER BY n, r.touch;
SELECT m AS model, t.*
FROM unnest(ARRAY['sent', 'opened', 'last_touch']) WITH ORDINALITY AS x(m, n),
     touch_report_totals((SELECT touch_report(o) FROM
       (SELECT touch_outcomes(ts, touch, touch_event, is_target, '7 days', value, m) AS o
        FROM touch_events GROUP BY customer) s)) t
ORDER BY n;
SELECT touch_report(o) FROM
  (SELECT touch_outcomes(ts, touch, touch_event, is_target, '7 days', value) AS o FROM touch_events GROUP BY customer) s;

-- The rules one by one, on one customer each (h(x) = '2026-01-01' + x hours).
CREATE FUNCTION h(x int) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS $$ SELECT timestamptz '2026-01-01' + x * interval '1 hour' $$;
CREATE FUNCTION outcome(model text, "window" interval, VARIADIC rows text[]) RETURNS text LANGUAGE sql AS $$
  -- rows: 'hour touch event' for messages, 'hour buy value' for conversions
  SELECT touch_outcomes(h(split_part(r, ' ', 1)::int),
                        CASE WHEN split_part(r, ' ', 2) <> 'buy' THEN split_part(r, ' ', 2) END,
                        CASE WHEN split_part(r, ' ', 2) <> 'buy' THEN split_part(r, ' ', 3) END,
                        split_part(r, ' ', 2) = 'buy',
                        "window", CASE WHEN split_part(r, ' ', 2) = 'buy' THEN nullif(split_part(r, ' ', 3), '')::numeric END, model)::text
  FROM unnest(rows) r
$$;
-- window bounds: s <= t <= s + window (both ends in), a conversion before the send is not the message's
SELECT outcome('sent', '24 hours', '10 a sent', '10 buy 1', '34 buy 2', '35 buy 4', '9 buy 8');
-- repeated sends: each send is an instance; an open belongs to the latest send at or before it
SELECT outcome('sent', '24 hours', '0 a sent', '5 a sent', '6 a opened', '7 buy 1');
-- two sends at the same time: two instances, the open at that time belongs to one of them
SELECT outcome('opened', '24 hours', '3 a sent', '3 a sent', '3 a opened', '3 buy 1');
-- a click implies an open; opens and clicks before any send are orphans
SELECT outcome('sent', '24 hours', '1 a clicked', '2 a sent', '4 a clicked', '5 b opened');
-- opened: the open must come at or before the conversion
SELECT outcome('opened', '24 hours', '0 a sent', '0 b sent', '2 buy 5', '2 a opened', '3 b opened');
-- each instance converts once (its first conversion), revenue sums every conversion it gets
SELECT outcome('sent', '24 hours', '0 a sent', '1 buy 5', '2 buy 7.25', '3 buy');
-- last_touch: the latest send; equal send times: the smallest touch name in byte order ('B' < 'a')
SELECT outcome('last_touch', '24 hours', '0 a sent', '1 c sent', '1 B sent', '2 buy 1');
SELECT outcome('last_touch', '24 hours', '0 a sent', '1 b sent', '30 buy 1');
-- a row may be both a message event and a conversion
SELECT touch_outcomes(ts, touch, touch_event, is_target, '1 day')::text
FROM (VALUES (h(0), 'a', 'sent', false), (h(1), 'a', 'clicked', true)) v(ts, touch, touch_event, is_target);

-- NULLs: a NULL time ignores the row, a NULL touch_event ignores its
-- message part, a NULL is_target is not a conversion, a NULL value counts
-- the conversion with no revenue; with a NULL touch, touch_event is not read.
SELECT touch_outcomes(ts, touch, touch_event, is_target, '1 day', value)::text
FROM (VALUES (h(0), 'a', 'sent', false, NULL::numeric), (NULL, 'a', 'sent', true, 1), (h(1), 'a', NULL, true, NULL),
             (h(2), NULL, 'anything', NULL, 5), (h(2), NULL, NULL, true, 2.5)) v(ts, touch, touch_event, is_target, value);
-- a customer whose rows all have no time is a customer with nothing
SELECT touch_outcomes(ts, 'a', 'sent', true, '1 day')::text FROM (VALUES (NULL::timestamptz)) v(ts);
-- no rows: no value; no values: no report, no rows
SELECT touch_outcomes(ts, 'a', 'sent', true, '1 day') IS NULL AS no_value FROM touch_events WHERE false;
SELECT touch_report(o) IS NULL AS no_report FROM (SELECT NULL::touch_outcomes) v(o);
SELECT count(*) AS no_rows FROM touch_report_rows(NULL::touch_report);
-- timestamp (without time zone) input
SELECT touch_outcomes(ts::timestamp, touch, touch_event, is_target, '7 days', value, 'last_touch')::text
FROM touch_events WHERE customer = 1;

-- errors
SELECT touch_outcomes(ts, touch, 'delivered', is_target, '7 days') FROM touch_events;
SELECT touch_outcomes(ts, touch, 'Sent', is_target, '7 days') FROM touch_events WHERE ts IS NULL OR true;
SELECT touch_outcomes(ts, touch, touch_event, is_target, NULL) FROM touch_events;
SELECT touch_outcomes(ts, touch, touch_event, is_target, '0') FROM touch_events;
SELECT touch_outcomes(ts, touch, touch_event, is_target, '-1 day') FROM touch_events;
SELECT touch_outcomes(ts, touch, touch_event, is_target, '7 days', value, NULL) FROM touch_events;
SELECT touch_outcomes(ts, touch, touch_event, is_target, '7 days', value, 'first_touch') FROM touch_events;
SELECT touch_outcomes(ts, touch, touch_event, is_target, CASE WHEN customer = 1 THEN '7 days' ELSE '1 day' END::interval) FROM touch_events;
SELECT touch_outcomes(ts, touch, touch_event, is_target, '7 days', value, CASE WHEN value > 5 THEN 'sent' ELSE 'opened' END) FROM touch_events;
SELECT touch_outcomes(h(0), NULL, NULL, true, '7 days', 'NaN');
-- (an infinite numeric value, PostgreSQL 14 on: test/touch.sql)
-- parts built with other windows or models do not combine
SELECT touch_report(o) FROM (SELECT w, touch_outcomes(h(0), 'a', 'sent', true, w) AS o
                             FROM unnest(ARRAY['7 days', '1 day']::interval[]) w GROUP BY w) v;
SELECT rollup(r) FROM (VALUES ('v1 model=sent window_us=1 customers=0 conversions=0 unattributed=0 revenue=0 unattributed_revenue=0'::touch_report),
                              ('v1 model=opened window_us=1 customers=0 conversions=0 unattributed=0 revenue=0 unattributed_revenue=0')) v(r);
-- called as plain functions, the merge and the transition leave their arguments alone
SELECT r, touch_report_merge(r, r) AS doubled, r AS unchanged,
       touch_report_add(NULL, 'v1 model=sent window_us=10 conversions=1 unattributed=0 revenue=2 unattributed_revenue=0 {"a" sent=1 opened=0 clicked=0 converted=1 orphans=0 revenue=2 ttc_us=3}') AS one
FROM (VALUES ('v1 model=sent window_us=10 customers=1 conversions=1 unattributed=0 revenue=2 unattributed_revenue=0 {"a" sent=1 opened=0 clicked=0 converted=1 orphans=0 revenue=2 ttc=v1 n=1 zeros=0 sum_us=3 min_us=3 max_us=3 buckets=56:1}'::touch_report)) v(r);

-- text input: the catalogue of malformed values
SELECT 'v1 model=sent window_us=1 conversions=0 unattributed=0 revenue=0 unattributed_revenue=0'::touch_outcomes;
SELECT 'v2 model=sent window_us=1 conversions=0'::touch_outcomes;
SELECT 'v1 model=first window_us=1 conversions=0 unattributed=0 revenue=0 unattributed_revenue=0'::touch_outcomes;
SELECT 'v1 model=sent window_us=0 conversions=0 unattributed=0 revenue=0 unattributed_revenue=0'::touch_outcomes;
SELECT 'v1 model=sent window_us=1 conversions=1 unattributed=2 revenue=0 unattributed_revenue=0'::touch_outcomes;
SELECT 'v1 model=sent window_us=1 conversions=0 unattributed=0 revenue=1 unattributed_revenue=0'::touch_outcomes;
SELECT 'v1 model=sent window_us=1 customers=1 conversions=0 unattributed=0 revenue=0 unattributed_revenue=0'::touch_outcomes;
SELECT 'v1 model=sent window_us=1 conversions=0 unattributed=0 revenue=0 unattributed_revenue=0 {"a" sent=0 opened=0 clicked=0 converted=0 orphans=0 revenue=0}'::touch_outcomes;
SELECT 'v1 model=sent window_us=1 conversions=0 unattributed=0 revenue=0 unattributed_revenue=0 {"a" sent=1 opened=0 clicked=1 converted=0 orphans=0 revenue=0}'::touch_outcomes;
SELECT 'v1 model=sent window_us=1 conversions=0 unattributed=0 revenue=0 unattributed_revenue=0 {"b" sent=1 opened=0 clicked=0 converted=0 orphans=0 revenue=0} {"a" sent=1 opened=0 clicked=0 converted=0 orphans=0 revenue=0}'::touch_outcomes;
SELECT 'v1 model=sent window_us=1 conversions=0 unattributed=0 revenue=0 unattributed_revenue=0 {"a" sent=1 opened=0 clicked=0 converted=0 orphans=0 revenue=0} {"a" sent=1 opened=0 clicked=0 converted=0 orphans=0 revenue=0}'::touch_outcomes;
SELECT 'v1 model=sent window_us=10 conversions=1 unattributed=0 revenue=0 unattributed_revenue=0 {"a" sent=1 opened=0 clicked=0 converted=1 orphans=0 revenue=0 ttc_us=11}'::touch_outcomes;
SELECT 'v1 model=sent window_us=10 conversions=1 unattributed=0 revenue=0 unattributed_revenue=0 {"a" sent=2 opened=0 clicked=0 converted=2 orphans=0 revenue=0 ttc_us=5,4}'::touch_outcomes;
SELECT 'v1 model=sent window_us=10 conversions=1 unattributed=0 revenue=0 unattributed_revenue=0 {"a" sent=2 opened=0 clicked=0 converted=2 orphans=0 revenue=0 ttc_us=4}'::touch_outcomes;
SELECT 'v1 model=sent window_us=10 conversions=1 unattributed=1 revenue=0 unattributed_revenue=0 {"a" sent=1 opened=0 clicked=0 converted=1 orphans=0 revenue=0 ttc_us=4}'::touch_outcomes;
SELECT 'v1 model=sent window_us=10 conversions=1 unattributed=0 revenue=0 unattributed_revenue=0 {"a sent=1}'::touch_outcomes;
SELECT 'v1 model=sent window_us=10 conversions=0 unattributed=0 revenue=0 unattributed_revenue=0 {"a" sent=1 opened=0 clicked=0 converted=0 orphans=0 revenue=0} trailing'::touch_outcomes;
SELECT 'v1 model=sent window_us=99999999999999999999 conversions=0 unattributed=0 revenue=0 unattributed_revenue=0'::touch_outcomes;
SELECT 'v1 model=opened window_us=10 conversions=1 unattributed=0 revenue=0 unattributed_revenue=0 {"a" sent=1 opened=0 clicked=0 converted=1 orphans=0 revenue=0 ttc_us=4}'::touch_outcomes;
SELECT 'v1 model=last_touch window_us=10 conversions=1 unattributed=0 revenue=0 unattributed_revenue=0 {"a" sent=1 opened=0 clicked=0 converted=1 orphans=0 revenue=0 ttc_us=4} {"b" sent=1 opened=0 clicked=0 converted=1 orphans=0 revenue=0 ttc_us=4}'::touch_outcomes;
SELECT 'v1 model=sent window_us=1 customers=-1 conversions=0 unattributed=0 revenue=0 unattributed_revenue=0'::touch_report;
SELECT 'v1 model=sent window_us=1 customers=0 conversions=1 unattributed=1 revenue=0 unattributed_revenue=0'::touch_report;
SELECT 'v1 model=sent window_us=100 customers=1 conversions=1 unattributed=0 revenue=0 unattributed_revenue=0 {"a" sent=1 opened=0 clicked=0 converted=1 orphans=0 revenue=0}'::touch_report;
SELECT 'v1 model=sent window_us=100 customers=1 conversions=1 unattributed=0 revenue=0 unattributed_revenue=0 {"a" sent=1 opened=0 clicked=0 converted=1 orphans=0 revenue=0 ttc=v1 n=2 zeros=0 sum_us=10 min_us=5 max_us=5 buckets=81:2}'::touch_report;
SELECT 'v1 model=sent window_us=1 customers=1 conversions=1 unattributed=0 revenue=0 unattributed_revenue=0 {"a" sent=1 opened=0 clicked=0 converted=1 orphans=0 revenue=0 ttc=v1 n=1 zeros=0 sum_us=5 min_us=5 max_us=5 buckets=81:1}'::touch_report;
-- names with quotes and backslashes read back
SELECT touch_outcomes(h(0), E'say "hi" \\ bye', 'sent', true, '1 day')::text::touch_outcomes::text;

-- Forced parallel plans on a regular table: partial touch_outcomes states
-- (serialized, combined per customer) and partial touch_reports (merged)
-- give what the serial plan gives.
CREATE TABLE touch_many AS
SELECT i % 700 AS customer,
       timestamptz '2026-02-01' + ((hashint4(i) & 1023) * interval '17 minutes') AS ts,
       CASE WHEN i % 3 < 2 THEN (ARRAY['welcome_a', 'welcome_b', 'tips'])[1 + (hashint4(i * 7) & 2147483647) % 3] END AS touch,
       CASE WHEN i % 3 < 2 THEN (ARRAY['sent', 'sent', 'opened', 'clicked'])[1 + (hashint4(i * 13) & 2147483647) % 4] END AS touch_event,
       i % 3 = 2 OR i % 11 = 0 AS is_target,
       ((hashint4(i * 31) & 65535) / 100.0)::numeric(10, 2) AS value
FROM generate_series(1, 20000) i;
ANALYZE touch_many;
CREATE TABLE touch_serial AS
SELECT customer, touch_outcomes(ts, touch, touch_event, is_target, '3 days', value, 'opened') AS o
FROM touch_many GROUP BY customer;
CREATE TABLE touch_serial_report AS SELECT touch_report(o)::text AS r FROM touch_serial;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET enable_hashagg = off;
\i test/force_parallel_on.psql
EXPLAIN (COSTS OFF)
SELECT customer, touch_outcomes(ts, touch, touch_event, is_target, '3 days', value, 'opened') FROM touch_many GROUP BY customer;
SELECT count(*) AS customers_differing FROM (
  (SELECT customer, touch_outcomes(ts, touch, touch_event, is_target, '3 days', value, 'opened')::text FROM touch_many GROUP BY customer)
  EXCEPT (SELECT customer, o::text FROM touch_serial)) x;
EXPLAIN (COSTS OFF) SELECT touch_report(o) FROM touch_serial;
SELECT touch_report(o)::text = (SELECT r FROM touch_serial_report) AS parallel_equals_serial FROM touch_serial;
CREATE TABLE touch_per_customer AS SELECT customer, touch_report(o) AS r FROM touch_serial GROUP BY customer;
EXPLAIN (COSTS OFF) SELECT rollup(r) FROM touch_per_customer;
SELECT rollup(r)::text = (SELECT r FROM touch_serial_report) AS parallel_rollup_equals_serial FROM touch_per_customer;
\i test/force_parallel_off.psql
RESET enable_hashagg;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
SELECT touch, sent, opened, clicked, converted, open_rate, click_rate, conversion_rate, revenue,
       median_time_to_convert, p90_time_to_convert, orphans
FROM touch_report_rows((SELECT touch_report(o) FROM touch_serial));
SELECT * FROM touch_report_totals((SELECT touch_report(o) FROM touch_serial));

DROP TABLE touch_events, touch_many, touch_serial, touch_serial_report, touch_per_customer;
DROP FUNCTION outcome(text, interval, text[]);
DROP FUNCTION h(int);

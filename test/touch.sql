-- touch_outcomes / touch_report against an independent plain-SQL
-- reference of the attribution rules, on thousands of random small
-- histories: every model, equal timestamps (a 4-hour grid), repeated
-- sends, opens and clicks without a send, NULL times and events; then
-- serial = forced parallel = rollup of random parts, and row order.
BEGIN;
SELECT plan(23);
SELECT setseed(0.4242);
SET LOCAL timezone = 'UTC';

-- ~4000 customers, ~8 rows each, on a 4-hour grid of 6 days (ties are frequent)
CREATE TABLE tev AS
SELECT i AS id,
       (random() * 4000)::int AS customer,
       timestamptz '2026-03-01' + (random() * 36)::int * interval '4 hours' AS ts,
       CASE WHEN r < 0.55 THEN (ARRAY['welcome_a', 'welcome_b', 'tips', 'Tips', 'nudge"q'])[1 + (random() * 4)::int] END AS touch,
       CASE WHEN r < 0.55 THEN (ARRAY['sent', 'sent', 'opened', 'clicked'])[1 + (random() * 3)::int] END AS touch_event,
       r >= 0.50 AND random() < 0.6 AS is_target,
       CASE WHEN random() < 0.8 THEN round((random() * 200 - 20)::numeric, 2) END AS value
FROM (SELECT i, random() AS r FROM generate_series(1, 32000) i) g;
UPDATE tev SET ts = NULL WHERE random() < 0.02;
UPDATE tev SET touch_event = NULL WHERE touch IS NOT NULL AND random() < 0.02;
UPDATE tev SET is_target = NULL WHERE random() < 0.02;
ANALYZE tev;

-- The reference: instances (a send and the next send of the same touch),
-- their opens and clicks, orphans, and the attribution of each conversion,
-- written from the README's rules with window functions and joins.
CREATE FUNCTION pg_temp.reference(model text, win interval) RETURNS TABLE (customer int, v text)
LANGUAGE sql AS $$
WITH msg AS (
    SELECT * FROM tev WHERE touch IS NOT NULL AND touch_event IS NOT NULL AND ts IS NOT NULL
), inst AS (
    SELECT customer, touch, id, ts AS s,
           lead(ts) OVER (PARTITION BY customer, touch ORDER BY ts, id) AS next_s
    FROM msg WHERE touch_event = 'sent'
), inst_eng AS (
    SELECT i.customer, i.touch, i.id, i.s,
           min(m.ts) AS opened_at,
           coalesce(bool_or(m.touch_event = 'clicked'), false) AS clicked
    FROM inst i LEFT JOIN msg m
      ON m.customer = i.customer AND m.touch = i.touch AND m.touch_event <> 'sent'
     AND m.ts >= i.s AND (i.next_s IS NULL OR m.ts < i.next_s)
    GROUP BY i.customer, i.touch, i.id, i.s
), orphans AS (
    SELECT m.customer, m.touch, count(*) AS orphans
    FROM msg m
    WHERE m.touch_event <> 'sent'
      AND NOT EXISTS (SELECT 1 FROM inst i WHERE i.customer = m.customer AND i.touch = m.touch AND i.s <= m.ts)
    GROUP BY m.customer, m.touch
), conv AS (
    SELECT customer, id, ts AS t, coalesce(value, 0) AS value FROM tev WHERE is_target AND ts IS NOT NULL
), candidate AS (
    SELECT c.customer, c.id AS conv_id, c.t, c.value, i.touch, i.id AS inst_id, i.s,
           row_number() OVER (PARTITION BY c.id ORDER BY i.s DESC, i.touch COLLATE "C", i.id DESC) AS latest
    FROM conv c JOIN inst_eng i ON i.customer = c.customer AND i.s <= c.t AND c.t <= i.s + win
    WHERE model <> 'opened' OR i.opened_at <= c.t
), credit AS (
    SELECT * FROM candidate WHERE model <> 'last_touch' OR latest = 1
), per_inst AS (
    SELECT i.customer, i.touch, i.id, i.opened_at IS NOT NULL AS opened, i.clicked,
           count(cr.conv_id) > 0 AS converted,
           (extract(epoch FROM min(cr.t) - i.s) * 1000000)::bigint AS ttc_us,
           coalesce(sum(cr.value), 0) AS revenue
    FROM inst_eng i LEFT JOIN credit cr ON cr.inst_id = i.id
    GROUP BY i.customer, i.touch, i.id, i.opened_at, i.clicked, i.s
), per_touch AS (
    SELECT coalesce(p.customer, o.customer) AS customer, coalesce(p.touch, o.touch) AS touch,
           coalesce(p.sent, 0) AS sent, coalesce(p.opened, 0) AS opened, coalesce(p.clicked, 0) AS clicked,
           coalesce(p.converted, 0) AS converted, coalesce(o.orphans, 0) AS orphans,
           coalesce(p.revenue, 0) AS revenue, p.ttc
    FROM (SELECT customer, touch, count(*) AS sent, count(*) FILTER (WHERE opened) AS opened,
                 count(*) FILTER (WHERE clicked) AS clicked, count(*) FILTER (WHERE converted) AS converted,
                 sum(revenue) AS revenue,
                 string_agg(ttc_us::text, ',' ORDER BY ttc_us) FILTER (WHERE converted) AS ttc
          FROM per_inst GROUP BY customer, touch) p
    FULL JOIN orphans o ON o.customer = p.customer AND o.touch = p.touch
), totals AS (
    SELECT c.customer, count(*) AS conversions,
           count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM credit cr WHERE cr.conv_id = c.id)) AS unattributed,
           sum(c.value) AS revenue,
           coalesce(sum(c.value) FILTER (WHERE NOT EXISTS (SELECT 1 FROM credit cr WHERE cr.conv_id = c.id)), 0) AS unattributed_revenue
    FROM conv c GROUP BY c.customer
)
SELECT k.customer,
       format('v1 model=%s window_us=%s conversions=%s unattributed=%s revenue=%s unattributed_revenue=%s',
              model, (extract(epoch FROM win) * 1000000)::bigint,
              coalesce(t.conversions, 0), coalesce(t.unattributed, 0),
              coalesce(t.revenue, 0), coalesce(t.unattributed_revenue, 0))
       || coalesce(b.blocks, '')
FROM (SELECT DISTINCT customer FROM tev) k LEFT JOIN totals t USING (customer)
LEFT JOIN (SELECT pt.customer,
                  string_agg(format(' {"%s" sent=%s opened=%s clicked=%s converted=%s orphans=%s revenue=%s%s}',
                                    replace(pt.touch, '"', '\"'), pt.sent, pt.opened, pt.clicked, pt.converted,
                                    pt.orphans, pt.revenue, CASE WHEN pt.ttc IS NOT NULL THEN ' ttc_us=' || pt.ttc ELSE '' END),
                             '' ORDER BY pt.touch COLLATE "C") AS blocks
           FROM per_touch pt GROUP BY pt.customer) b USING (customer)
$$;

CREATE TABLE touch_ref AS
SELECT m AS model, r.customer, r.v
FROM unnest(ARRAY['sent', 'opened', 'last_touch']) m, pg_temp.reference(m, interval '2 days') r;

SELECT set_eq(
  $$SELECT customer, touch_outcomes(ts, touch, touch_event, is_target, '2 days', value)::text FROM tev GROUP BY customer$$,
  $$SELECT customer, v FROM touch_ref WHERE model = 'sent'$$,
  'model sent (the default) equals the reference for every customer');
SELECT set_eq(
  $$SELECT customer, touch_outcomes(ts, touch, touch_event, is_target, '2 days', value, 'sent')::text FROM tev GROUP BY customer$$,
  $$SELECT customer, v FROM touch_ref WHERE model = 'sent'$$,
  'model sent, named');
SELECT set_eq(
  $$SELECT customer, touch_outcomes(ts, touch, touch_event, is_target, '2 days', value, 'opened')::text FROM tev GROUP BY customer$$,
  $$SELECT customer, v FROM touch_ref WHERE model = 'opened'$$,
  'model opened equals the reference for every customer');
SELECT set_eq(
  $$SELECT customer, touch_outcomes(ts, touch, touch_event, is_target, '2 days', value, 'last_touch')::text FROM tev GROUP BY customer$$,
  $$SELECT customer, v FROM touch_ref WHERE model = 'last_touch'$$,
  'model last_touch equals the reference for every customer');
SELECT set_eq(
  $$SELECT customer, touch_outcomes(ts, touch, touch_event, is_target, '2 days', value, 'last_touch' ORDER BY random())::text FROM tev GROUP BY customer$$,
  $$SELECT customer, v FROM touch_ref WHERE model = 'last_touch'$$,
  'rows in random order give the same values');
SELECT set_eq(
  $$SELECT customer, touch_outcomes(ts, touch, touch_event, is_target, '90 minutes', value, 'opened' ORDER BY ts DESC NULLS FIRST)::text FROM tev GROUP BY customer$$,
  $$SELECT customer, v FROM pg_temp.reference('opened', interval '90 minutes')$$,
  'a short window (ties at the edge), newest rows first');
SELECT set_eq(
  $$SELECT customer, touch_outcomes(ts, touch, touch_event, is_target, '1 microsecond', value, 'sent')::text FROM tev GROUP BY customer$$,
  $$SELECT customer, v FROM pg_temp.reference('sent', interval '1 microsecond')$$,
  'a window of one microsecond: only conversions at the time of the send');

-- the data has what the test is about
SELECT ok((SELECT count(*) FROM touch_ref WHERE model = 'sent' AND v ~ 'orphans=[1-9]') > 200
      AND (SELECT count(*) FROM touch_ref WHERE model = 'last_touch' AND v ~ 'converted=[2-9]') > 100
      AND (SELECT count(*) FROM touch_ref WHERE model = 'opened' AND v ~ 'unattributed=[1-9]') > 500
      AND (SELECT count(*) FROM (SELECT customer, touch, ts FROM tev WHERE touch_event = 'sent'
                                 GROUP BY 1, 2, 3 HAVING count(*) > 1) x) > 30
      AND (SELECT count(*) FROM tev a JOIN tev b USING (customer, ts) WHERE a.touch_event = 'sent' AND b.is_target) > 200,
  'the random histories have orphans, repeated conversions, unattributed ones, sends at equal times, conversions at send time');

-- touch_report over the customers against the reference's sums and quantiles
CREATE TABLE touch_parts AS
SELECT customer, (random() * 5)::int AS part,
       touch_outcomes(ts, touch, touch_event, is_target, '2 days', value, 'sent') AS o
FROM tev GROUP BY customer;

CREATE FUNCTION pg_temp.ref_rows() RETURNS TABLE (touch text, sent bigint, opened bigint, clicked bigint,
    converted bigint, revenue numeric, orphans bigint) LANGUAGE sql AS $$
    SELECT (regexp_match(b, '^"((?:[^"\\]|\\.)*)"'))[1],
           sum((regexp_match(b, ' sent=(\d+)'))[1]::bigint),
           sum((regexp_match(b, ' opened=(\d+)'))[1]::bigint),
           sum((regexp_match(b, ' clicked=(\d+)'))[1]::bigint),
           sum((regexp_match(b, ' converted=(\d+)'))[1]::bigint),
           sum((regexp_match(b, ' revenue=(-?[0-9.]+)'))[1]::numeric),
           sum((regexp_match(b, ' orphans=(\d+)'))[1]::bigint)
    FROM touch_ref, regexp_split_to_table(v, ' \{') WITH ORDINALITY AS x(b, n)
    WHERE model = 'sent' AND n > 1
    GROUP BY 1
$$;

SELECT set_eq(
  $$SELECT replace(touch, '"', '\"'), sent, opened, clicked, converted, revenue, orphans
    FROM touch_report_rows((SELECT touch_report(o) FROM touch_parts))$$,
  $$SELECT * FROM pg_temp.ref_rows()$$,
  'touch_report_rows counts and revenue equal the sums of the reference');
SELECT is_empty(
  $$WITH ref AS (
      SELECT touch, percentile_disc(0.5) WITHIN GROUP (ORDER BY t) AS med, percentile_disc(0.9) WITHIN GROUP (ORDER BY t) AS p90
      FROM (SELECT (regexp_match(b, '^"((?:[^"\\]|\\.)*)"'))[1] AS touch,
                   unnest(string_to_array((regexp_match(b, 'ttc_us=([0-9,]+)'))[1], ','))::bigint AS t
            FROM touch_ref, regexp_split_to_table(v, ' \{') WITH ORDINALITY AS x(b, n)
            WHERE model = 'sent' AND n > 1) s
      GROUP BY touch)
    SELECT r.touch FROM touch_report_rows((SELECT touch_report(o) FROM touch_parts)) r
    JOIN ref ON ref.touch = replace(r.touch, '"', '\"')
    WHERE abs(r.median_time_to_convert_seconds * 1e6 - ref.med) > 0.01 * ref.med
       OR abs(r.p90_time_to_convert_seconds * 1e6 - ref.p90) > 0.01 * ref.p90$$,
  'median and p90 time to convert within 1% of percentile_disc over the reference times');
SELECT is(
  (SELECT row(customers, conversions, revenue, unattributed_conversions, unattributed_revenue)::text
   FROM touch_report_totals((SELECT touch_report(o) FROM touch_parts))),
  (SELECT row(count(*), sum((regexp_match(v, ' conversions=(\d+)'))[1]::bigint),
              sum((regexp_match(v, ' revenue=(-?[0-9.]+)'))[1]::numeric),
              sum((regexp_match(v, ' unattributed=(\d+)'))[1]::bigint),
              sum((regexp_match(v, ' unattributed_revenue=(-?[0-9.]+)'))[1]::numeric))::text
   FROM touch_ref WHERE model = 'sent'),
  'touch_report_totals equal the reference totals');

-- one customer's rows are the rows of a report of that customer alone
SELECT is_empty(
  $$(SELECT customer, r.* FROM touch_parts, touch_report_rows(o) r
     EXCEPT SELECT customer, r.* FROM touch_parts, touch_report_rows((SELECT touch_report(o2) FROM (VALUES (o)) v(o2))) r)
    UNION ALL
    (SELECT customer, r.* FROM touch_parts, touch_report_rows((SELECT touch_report(o2) FROM (VALUES (o)) v(o2))) r
     EXCEPT SELECT customer, r.* FROM touch_parts, touch_report_rows(o) r)$$,
  'touch_report_rows of a touch_outcomes value = of the report of that one customer');

-- the same report whatever the order of customers, the parts, the plan
CREATE TABLE touch_serial AS SELECT touch_report(o)::text AS r FROM touch_parts;
SELECT is((SELECT touch_report(o ORDER BY random())::text FROM touch_parts), (SELECT r FROM touch_serial),
  'customers in random order give the same report');
SELECT is((SELECT rollup(p)::text FROM (SELECT part, touch_report(o) AS p FROM touch_parts GROUP BY part) x),
          (SELECT r FROM touch_serial),
  'rollup of random parts = the whole');
SELECT is((SELECT rollup(p ORDER BY random())::text FROM (SELECT customer, touch_report(o) AS p FROM touch_parts GROUP BY customer) x),
          (SELECT r FROM touch_serial),
  'rollup of one-customer reports in random order = the whole');

SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
\i test/force_parallel_on.psql
SELECT is((SELECT touch_report(o)::text FROM touch_parts), (SELECT r FROM touch_serial),
  'touch_report forced parallel = serial');
SELECT set_eq(
  $$SELECT customer, touch_outcomes(ts, touch, touch_event, is_target, '2 days', value, 'last_touch')::text FROM tev GROUP BY customer$$,
  $$SELECT customer, v FROM touch_ref WHERE model = 'last_touch'$$,
  'touch_outcomes forced parallel (partial states combined) equals the reference');
SELECT is((SELECT touch_report(o)::text FROM (SELECT touch_outcomes(ts, touch, touch_event, is_target, '2 days', value) AS o FROM tev GROUP BY customer) x),
          (SELECT r FROM touch_serial),
  'the whole pipeline forced parallel = serial');
\i test/force_parallel_off.psql

-- text and binary round trips (test/roundtrip.psql): every value made
-- here reads back from both forms, and text and binary accept the same
-- values (mutated values one input accepts, the other accepts too)
\i test/roundtrip.psql
CREATE TABLE touch_values AS
SELECT 'touch_outcomes'::regtype AS typ, o::text AS v FROM touch_parts
UNION ALL SELECT 'touch_report', p::text FROM (SELECT touch_report(o) AS p FROM touch_parts GROUP BY part) x
UNION ALL SELECT 'touch_report', touch_report(o)::text FROM touch_parts
UNION ALL VALUES ('touch_outcomes'::regtype, 'v1 model=opened window_us=9223372036854775807 conversions=9223372036854775807 unattributed=9223372036854775806 revenue=-170141183460469231731687303715884105727 unattributed_revenue=0.00000000000000000001 {"" sent=9223372036854775807 opened=9223372036854775807 clicked=0 converted=1 orphans=9223372036854775807 revenue=1 ttc_us=9223372036854775807} {"\"\\ é" sent=0 opened=0 clicked=0 converted=0 orphans=1 revenue=0}'),
  ('touch_report', 'v1 model=last_touch window_us=1 customers=9223372036854775807 conversions=0 unattributed=0 revenue=0 unattributed_revenue=0'),
  ('touch_report', 'v1 model=sent window_us=1 customers=0 conversions=0 unattributed=0 revenue=0 unattributed_revenue=0');
CREATE TABLE touch_sample AS SELECT * FROM touch_values ORDER BY random() LIMIT 60;
INSERT INTO touch_sample SELECT * FROM touch_values WHERE typ = 'touch_report'::regtype OR v !~ '^v1 model=sent';

SELECT is((SELECT count(*) FROM touch_values WHERE pg_temp.rt_text(typ, v) IS DISTINCT FROM v), 0::bigint,
  'touch_outcomes, touch_report: the text output of every value parses back to the same value');
SELECT is((SELECT count(*) FROM touch_sample WHERE pg_temp.rt_recv(typ, pg_temp.rt_send(typ, v)) IS DISTINCT FROM v), 0::bigint,
  'touch_outcomes, touch_report: the binary output reads back to the same value');
SELECT is((SELECT count(*) FROM (SELECT typ, pg_temp.rt_recv(typ, m) AS t
                                 FROM touch_sample, pg_temp.rt_mutants(pg_temp.rt_send(typ, v), 8) m) x
           WHERE t IS NOT NULL AND pg_temp.rt_text(typ, t) IS DISTINCT FROM t), 0::bigint,
  'touch_outcomes, touch_report: every binary value recv accepts, the text input accepts');
SELECT is((SELECT count(*) FROM (SELECT typ, pg_temp.rt_text(typ, m) AS t
                                 FROM touch_sample, pg_temp.rt_text_mutants(v, 8) m) x
           WHERE t IS NOT NULL AND pg_temp.rt_recv(typ, pg_temp.rt_send(typ, t)) IS DISTINCT FROM t), 0::bigint,
  'touch_outcomes, touch_report: every text value the input accepts, recv accepts');

-- numeric has infinities from PostgreSQL 14 on (so this is not in the
-- pg_regress file, which runs on 13 too)
SELECT throws_ok($$SELECT touch_outcomes(now(), NULL, NULL, true, '7 days', 'Infinity'::numeric)$$,
  '22023', 'conversion value must be a finite number', 'an infinite conversion value is an error');

SELECT * FROM finish();
ROLLBACK;

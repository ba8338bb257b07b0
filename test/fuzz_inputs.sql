-- Hostile input for every input function of journey's types: a few
-- thousand deterministic mutations per type of valid values (made by the
-- aggregates and constructors, extreme ones included), fed to the text
-- input and, through a COPY BINARY file, to the receive function; and
-- mutated states fed to the bytea-state functions callable from SQL
-- (active_periods_trans/_merge/_final).
--
-- For every mutation, either
--   - an ERROR with a data-exception SQLSTATE (class 22, or 54
--     program_limit_exceeded; text input never 22P03, binary never 22P02),
--     never XX000 / XX001 / any other class, never a crash; or
--   - an accepted value whose text output parses back to the same text,
--     whose send output receives back to the same value (and the same
--     bytes), whose text the text input accepts when it came in binary
--     (text and binary accept the same values), and whose accessors
--     answer or fail with a data-exception SQLSTATE.
-- A failure lists, per type, the offending literal (text) or payload
-- (hex), the SQLSTATE and the message.  Known bugs are TODO tests that
-- list what still fails (see the end of the file).
--
-- Text mutations: truncation at every length (short values) or at random
-- points, characters replaced / deleted / inserted / doubled, each number
-- replaced by huge, negative, NaN, infinite, subnormal, overflowing or
-- off-by-one values, space- and comma-separated fields deleted, doubled
-- and swapped, whole-value variants.  Binary mutations: truncation,
-- appended and inserted and deleted bytes, byte and bit flips, every
-- 1/2/4/8-byte field of the header (and random ones further on) set to
-- 0, 1, -1, 2^31-1, -2^31, 2^63-1, -2^63 and other edges, splices of two
-- values of the type.  Generated with setseed() + random(): the same
-- mutations on every run.
BEGIN;
SET LOCAL client_min_messages = error;   -- the fits of the seeds warn
SET LOCAL timezone = 'UTC';
-- a pathological input must not hang the suite: the whole file takes ~30 s
SET LOCAL statement_timeout = '300s';
SELECT plan(99);
SELECT setseed(0.1729);

------------------------------------------------------------------ seeds
-- fz_seed: valid values of every type, as text and as send output
CREATE TEMP TABLE fz_seed (typ text, label text, v text, b bytea, PRIMARY KEY (typ, label));
CREATE TEMP TABLE fz_refused (typ text, label text, state text, msg text);

CREATE FUNCTION pg_temp.fz_send_fn(typ text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT typsend::regproc::text FROM pg_type WHERE oid = typ::regtype
$$;

CREATE FUNCTION pg_temp.fz_put(typ text, label text, expr text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v text;
    b bytea;
BEGIN
    EXECUTE format('SELECT x::text, %s(x) FROM (SELECT (%s)::%s AS x) s', pg_temp.fz_send_fn(typ), expr, typ)
        INTO v, b;
    IF v IS NULL THEN
        INSERT INTO fz_refused VALUES (typ, label, NULL, 'NULL');
    ELSE
        INSERT INTO fz_seed VALUES (typ, label, v, b);
    END IF;
EXCEPTION WHEN OTHERS THEN
    INSERT INTO fz_refused VALUES (typ, label, SQLSTATE, SQLERRM);
END $$;

CREATE TEMP TABLE edge AS
SELECT timestamptz '4713-01-01 00:00:00+00 BC' AS ts_min,
       timestamptz '294276-12-31 23:59:59.999999+00' AS ts_max,
       float8 '1e-310' AS subnormal, float8 '4.9e-324' AS tiniest,
       float8 '1e308' AS huge, float8 '1.7976931348623157e308' AS dbl_max;

-- durations
SELECT pg_temp.fz_put('durations', 'ordinary', $$(SELECT duration_agg(g * interval '1 minute') FROM generate_series(0, 40) g)$$);
SELECT pg_temp.fz_put('durations', 'one microsecond', $$duration_agg(interval '1 microsecond')$$);
SELECT pg_temp.fz_put('durations', 'zero only', $$duration_agg(interval '0')$$);
SELECT pg_temp.fz_put('durations', 'near 2^63 microseconds', $$duration_agg(interval '1 microsecond' * 9223372036854775000)$$);
SELECT pg_temp.fz_put('durations', 'sum past 2^63',
  $$(SELECT duration_agg(interval '1 microsecond' * 4611686018427387904) FROM generate_series(1, 3))$$);
SELECT pg_temp.fz_put('durations', 'microseconds and millennia',
  $$(SELECT duration_agg(CASE WHEN g % 2 = 0 THEN interval '1 microsecond' ELSE interval '200000 years' END) FROM generate_series(1, 6) g)$$);
SELECT pg_temp.fz_put('durations', 'count near 2^63',
  $$(SELECT rollup(d) FROM (VALUES ('v1 n=4611686018427387903 zeros=4611686018427387903 sum_us=0 min_us=0 max_us=0 buckets='::durations),
                                   ('v1 n=4611686018427387903 zeros=4611686018427387903 sum_us=0 min_us=0 max_us=0 buckets='::durations)) x(d))$$);

-- funnel_path
SELECT pg_temp.fz_put('funnel_path', 'ordinary',
  $$(SELECT funnel_path(ts, interval '7 days', s = 1, s = 2, s = 3)
     FROM (VALUES (timestamptz '2024-01-01', 1), ('2024-01-02', 2), ('2024-01-05', 3)) x(ts, s))$$);
SELECT pg_temp.fz_put('funnel_path', 'strict modes, nothing reached',
  $$(SELECT funnel_path(timestamptz '2024-01-01', interval '1 hour', 'strict_order,strict_deduplication', false, true))$$);
SELECT pg_temp.fz_put('funnel_path', 'version 1 text, 4713 BC to 294276 AD',
  $$'2/2 [4713-01-01 00:00:00+00 BC, 294276-12-31 23:59:59.999999+00]'$$);
SELECT pg_temp.fz_put('funnel_path', 'eight steps from 4713 BC',
  $$(SELECT funnel_path(ts_min + g * interval '30000 years', interval '290000 years',
                        g = 0, g = 1, g = 2, g = 3, g = 4, g = 5, g = 6, g = 7)
     FROM edge, generate_series(0, 7) g)$$);
SELECT pg_temp.fz_put('funnel_path', 'at 294276 AD',
  $$(SELECT funnel_path(ts_max, interval '1 microsecond', 'strict_increase', true, true) FROM edge)$$);

-- funnel
SELECT pg_temp.fz_put('funnel', 'ordinary, timed',
  $$(SELECT funnel(p) FROM (SELECT funnel_path(timestamptz '2024-01-01' + (c * e % 11) * interval '1 hour', interval '7 days',
                                               e = 1, e = 2, e = 3) AS p
                            FROM generate_series(1, 12) c, generate_series(1, 3) e GROUP BY c) x)$$);
SELECT pg_temp.fz_put('funnel', 'ordinary, untimed', $$(SELECT funnel(l % 4, 3) FROM generate_series(0, 99) l)$$);
SELECT pg_temp.fz_put('funnel', 'one step', $$(SELECT funnel(1, 1))$$);
SELECT pg_temp.fz_put('funnel', 'paths at both ends of time',
  $$(SELECT funnel(p) FROM (SELECT funnel_path(CASE WHEN g < 8 THEN ts_min + g * interval '30000 years'
                                                    ELSE ts_max - (15 - g) * interval '30000 years' END,
                                               interval '290000 years', g % 8 = 0, g % 8 = 1, g % 8 = 2) AS p
                            FROM edge, generate_series(0, 15) g GROUP BY g < 8) x)$$);
SELECT pg_temp.fz_put('funnel', 'as of a time, in progress (v3)',
  $$(SELECT funnel(p, timestamptz '2024-01-01 12:00') FROM (SELECT funnel_path(timestamptz '2024-01-01' + (c * e % 11) * interval '1 hour', interval '7 days',
                                               e = 1, e = 2, e = 3) AS p
                            FROM generate_series(1, 12) c, generate_series(1, 3) e GROUP BY c) x)$$);
SELECT pg_temp.fz_put('funnel_path', 'exclusions and step windows',
  $$(SELECT funnel_path(timestamptz '2024-01-01' + e * interval '1 hour', interval '7 days', 'exclude=1-2,step_windows={2 hours,1 hour}', e = 1, e = 2, e = 3, e = 4)
     FROM generate_series(1, 4) e)$$);
SELECT pg_temp.fz_put('funnel', 'customers near 2^63',
  $$(SELECT rollup(f) FROM (VALUES ('v1 steps=2 customers=4611686018427387903 reached=4611686018427387903,1 timed=false'::funnel),
                                   ('v1 steps=2 customers=4611686018427387903 reached=4611686018427387903,1 timed=false'::funnel)) x(f))$$);

-- pipeline_path, pipeline
SELECT pg_temp.fz_put('pipeline_path', 'ordinary',
  $$(SELECT pipeline_path(ts, s, l) FROM (VALUES (timestamptz '2024-01-01', 1, false), ('2024-01-03', 3, false),
                                              ('2024-01-05', 2, false), ('2024-01-09', 2, true)) x(ts, s, l))$$);
SELECT pg_temp.fz_put('pipeline_path', 'one row', $$pipeline_path(timestamptz '2024-01-01', 1)$$);
SELECT pg_temp.fz_put('pipeline_path', '4713 BC to 294276 AD, stage 64',
  $$(SELECT pipeline_path(CASE WHEN g = 1 THEN ts_min ELSE ts_max END, g * 63 - 62, g = 2) FROM edge, generate_series(1, 2) g)$$);
SELECT pg_temp.fz_put('pipeline', 'ordinary',
  $$(SELECT pipeline(p, '2024-02-01') FROM (SELECT d, pipeline_path(timestamptz '2024-01-01' + (d * s % 17) * interval '1 day', s, d % 5 = 0 AND s = 3) AS p
                                              FROM generate_series(1, 12) d, generate_series(1, 1 + d % 4) s GROUP BY d) x)$$);
SELECT pg_temp.fz_put('pipeline', 'no deal yet',
  $$(SELECT pipeline(p, '2023-01-01') FROM (SELECT pipeline_path(timestamptz '2024-01-01', 1) AS p) x)$$);
SELECT pg_temp.fz_put('pipeline', 'one deal at 294276 AD',
  $$(SELECT pipeline(p, ts_max) FROM edge, (SELECT pipeline_path(ts_max - interval '1 day', 3) AS p FROM edge) x)$$);

-- rfm
SELECT pg_temp.fz_put('rfm', 'ordinary', $$rfm(5, 4, 3)$$);
SELECT pg_temp.fz_put('rfm', 'nine bins, top', $$rfm(9, 9, 9, 9)$$);
SELECT pg_temp.fz_put('rfm', 'two bins, bottom', $$rfm(1, 1, 1, 2)$$);
SELECT pg_temp.fz_put('rfm', 'three bins', $$rfm(3, 1, 2, 3)$$);
SELECT pg_temp.fz_put('rfm', 'a scale per dimension', $$rfm(5, 3, 2, ARRAY[5, 4, 3])$$);
SELECT pg_temp.fz_put('rfm', 'scales 9, 2, 9', $$rfm(9, 2, 1, ARRAY[9, 2, 9])$$);

-- rfm_model
SELECT pg_temp.fz_put('rfm_model', 'ordinary',
  $$(SELECT rfm_model(timestamptz '2024-01-01' + g * interval '1 day', (g % 7)::float8, g * 1.5::float8) FROM generate_series(1, 12) g)$$);
SELECT pg_temp.fz_put('rfm_model', 'one customer', $$rfm_model(timestamptz '2024-01-01', 1, 1)$$);
SELECT pg_temp.fz_put('rfm_model', 'a scale per dimension',
  $$(SELECT rfm_model(timestamptz '2024-01-01' + g * interval '1 day', (g % 7)::float8, g * 1.5::float8, ARRAY[5, 3, 4]) FROM generate_series(1, 12) g)$$);

-- rfm_transitions
SELECT pg_temp.fz_put('rfm_transitions', 'ordinary',
  $$(SELECT rfm_transitions(rfm(1 + g % 5, 1 + g / 5 % 5, 1 + g / 25 % 5), rfm(1 + g * 3 % 5, 1 + g / 7 % 5, 1 + g % 3))
     FROM generate_series(1, 200) g)$$);
SELECT pg_temp.fz_put('rfm_transitions', 'new and gone customers',
  $$(SELECT rfm_transitions(CASE WHEN g % 3 > 0 THEN rfm(1 + g % 5, 2, 3) END, CASE WHEN g % 3 < 2 THEN rfm(5, 1 + g % 5, 1) END)
     FROM generate_series(1, 30) g)$$);
SELECT pg_temp.fz_put('rfm_transitions', 'quoted names',
  $$'v1 null>"a \"b\" \\ c"*9223372036854775806,"x">"y"*1'$$);
SELECT pg_temp.fz_put('rfm_model', 'extreme timestamps and doubles',
  $$(SELECT rfm_model(CASE WHEN g % 2 = 0 THEN ts_min ELSE ts_max END,
                      (ARRAY[subnormal, -huge, huge, tiniest, dbl_max, -dbl_max, 0])[g % 7 + 1],
                      (ARRAY[huge, subnormal, -subnormal, -dbl_max, dbl_max, tiniest, 1])[g % 7 + 1])
     FROM edge, generate_series(1, 14) g)$$);
SELECT pg_temp.fz_put('rfm_model', 'past the exact limit',
  $$(SELECT rfm_model(timestamptz '2000-01-01' + g * interval '1 hour', g * 1e300::float8 / 5000, g * 1e-310::float8)
     FROM generate_series(1, 5000) g)$$);

-- unit_economics
SELECT pg_temp.fz_put('unit_economics', 'ordinary',
  $$(SELECT unit_economics(c * 10.25, c * 2.5, (c % 4)::bigint, 12.34) FROM generate_series(1, 40) c)$$);
SELECT pg_temp.fz_put('unit_economics', 'purchases near 2^63',
  $$(SELECT unit_economics(1, 0, 4611686018427387903, 0) FROM generate_series(1, 2))$$);
SELECT pg_temp.fz_put('unit_economics', 'huge and tiny amounts',
  $$(SELECT unit_economics(r, c, 1, a)
     FROM (VALUES (1e30::numeric, 1e-30::numeric, 1e20::numeric), (0.000000000000000000001, 0, 0)) x(r, c, a))$$);
SELECT pg_temp.fz_put('unit_economics', 'units near 2^63',
  $$(SELECT rollup(u) FROM (VALUES ('units=4611686018427387903 buyers=0 purchases=0 revenue=0 cost=0 acquisition_units=0 acquisition_buyers=0 acquisition_cost=0'::unit_economics),
                                   ('units=4611686018427387903 buyers=0 purchases=0 revenue=0 cost=0 acquisition_units=0 acquisition_buyers=0 acquisition_cost=0'::unit_economics)) x(u))$$);

-- clv_data
SELECT pg_temp.fz_put('clv_data', 'ordinary bgnbd',
  $$(SELECT bgnbd_data(g % 3, CASE WHEN g % 3 > 0 THEN 5 ELSE 0 END, 10) FROM generate_series(1, 30) g)$$);
SELECT pg_temp.fz_put('clv_data', 'ordinary gamma_gamma', $$(SELECT gamma_gamma_data(1 + g % 3, 10 + g) FROM generate_series(1, 8) g)$$);
SELECT pg_temp.fz_put('clv_data', 'subnormals',
  $$(SELECT rollup(d) FROM (SELECT bgnbd_data(0, 0, subnormal) FROM edge UNION ALL SELECT bgnbd_data(1, tiniest, 1) FROM edge) x(d))$$);
SELECT pg_temp.fz_put('clv_data', 'gamma_gamma near 1e308', $$(SELECT gamma_gamma_data(1, dbl_max) FROM edge)$$);
SELECT pg_temp.fz_put('clv_data', 'frequency 1e9', $$bgnbd_data(1e9, 1, 2)$$);
SELECT pg_temp.fz_put('clv_data', 'grid cells above 1e15',
  $$(SELECT gamma_gamma_data(1, 4e15 + g) FROM generate_series(1, 40000) g)$$);

-- clv_model
SELECT pg_temp.fz_put('clv_model', 'ordinary bgnbd', $$'bgnbd(r=0.243,alpha=4.414,a=0.793,b=2.426)'$$);
SELECT pg_temp.fz_put('clv_model', 'ordinary gamma_gamma', $$'gamma_gamma(p=6.25,q=3.74,gamma=15.44)'$$);
SELECT pg_temp.fz_put('clv_model', 'fitted bgnbd',
  $$(SELECT bgnbd_fit(g % 5, CASE WHEN g % 5 > 0 THEN g % 7 + 1 ELSE 0 END, 10) FROM generate_series(1, 100) g)$$);
SELECT pg_temp.fz_put('clv_model', 'fitted gamma_gamma', $$(SELECT gamma_gamma_fit(1 + g % 3, 10 + g) FROM generate_series(1, 40) g)$$);
SELECT pg_temp.fz_put('clv_model', 'parameters at 1e308', $$'bgnbd(r=1e308,alpha=1e308,a=1e308,b=1e308)'$$);

-- cohort_retention
SELECT pg_temp.fz_put('cohort_retention', 'ordinary',
  $$(SELECT retention_agg(((c * 7919) % 256)::bit(8)::varbit) FROM generate_series(1, 10) c)$$);
SELECT pg_temp.fz_put('cohort_retention', 'weekly',
  $$(SELECT retention_agg(((c * 7919) % 64)::bit(6)::varbit, interval '7 days') FROM generate_series(1, 10) c)$$);
SELECT pg_temp.fz_put('cohort_retention', 'one period, microsecond',
  $$retention_agg(B'1', interval '1 microsecond')$$);
SELECT pg_temp.fz_put('cohort_retention', 'ten thousand periods',
  $$(SELECT retention_agg(repeat('10', 5000)::varbit) FROM generate_series(1, 3))$$);
SELECT pg_temp.fz_put('cohort_retention', 'customers near 2^63',
  $$(SELECT rollup(r) FROM (VALUES ('customers=4611686018427387903 active=4611686018427387903,0'::cohort_retention),
                                   ('customers=4611686018427387903 active=1,4611686018427387903'::cohort_retention)) x(r))$$);

SELECT pg_temp.fz_put('cohort_retention', 'observed counts (as_of)',
  $$(SELECT retention_agg(b, '7 days')
     FROM (SELECT c, active_periods(timestamptz '2026-01-01' + c * interval '3 days', true,
                                    timestamptz '2026-01-01' + c * interval '1 day', '7 days', 8, '2026-02-20') AS b
           FROM generate_series(1, 10) c GROUP BY c) x)$$);

-- cohort_value
SELECT pg_temp.fz_put('cohort_value', 'ordinary',
  $$(SELECT cohort_value(ARRAY[c * 1.5, 0, (c % 3) - 1.25]::numeric[]) FROM generate_series(1, 10) c)$$);
SELECT pg_temp.fz_put('cohort_value', 'incomplete cohort',
  $$(SELECT cohort_value(array_fill(c::numeric / 8, ARRAY[c % 6])) FROM generate_series(1, 12) c)$$);
SELECT pg_temp.fz_put('cohort_value', 'no period', $$'customers=3 observed= paying= revenue= cumulative='$$);
SELECT pg_temp.fz_put('cohort_value', 'extreme sums',
  $$'customers=9223372036854775807 observed=9223372036854775807,1 paying=0,1 revenue=-170141183460469231731687303715884105727,0.00000000000000000001 cumulative=1,1'$$);

-- journey
SELECT pg_temp.fz_put('journey', 'ordinary with amounts',
  $$(SELECT journey_agg(timestamptz '2024-01-01' + g * interval '1 hour', 'l' || (g % 3), g * 1.5) FROM generate_series(1, 6) g)$$);
SELECT pg_temp.fz_put('journey', 'no amounts',
  $$(SELECT journey_agg(timestamptz '2024-01-01' + g * interval '1 minute', 'step ' || (g % 2)) FROM generate_series(1, 5) g)$$);
SELECT pg_temp.fz_put('journey', 'ends of time, quoted labels, extreme amounts',
  $$(SELECT journey_agg(ts, l, a) FROM (VALUES (timestamptz '4713-01-01 00:00:00+00 BC', 'a "quoted" label', 1e-30),
            ('294276-12-31 23:59:59.999999+00', E'back\\slash, comma}', -12345678901234567890.123456789),
            ('2024-01-01', '', NULL), ('2024-01-01', 'é ünï', 0), ('2024-01-01', 'é ünï', 0)) x(ts, l, a))$$);
SELECT pg_temp.fz_put('journey', 'one event', $$journey_agg(timestamptz '2000-01-01', 'x')$$);
-- path_tree
SELECT pg_temp.fz_put('path_tree', 'ordinary',
  $$(SELECT rollup(p) FROM (SELECT c, path_agg(timestamptz '2026-01-01' + (c * 7919 % 97 + s) * interval '1 minute', 'l' || ((c * s) % 5), s = 0, 4) AS p
                            FROM generate_series(1, 50) c, generate_series(0, 5) s GROUP BY c) x)$$);
SELECT pg_temp.fz_put('path_tree', 'one path', $$(SELECT path_agg(timestamptz '2026-01-01' + s * interval '1 hour', 'step ' || s, s = 0, 3) FROM generate_series(0, 2) s)$$);
SELECT pg_temp.fz_put('path_tree', 'folded, 17 labels',
  $$(SELECT rollup(p) FROM (SELECT c, path_agg(timestamptz '2026-01-01' + s * interval '1 hour' + c * interval '1 second', CASE WHEN s = 0 THEN 's' ELSE 'p' || (c % 20) END, s = 0, 2) AS p
                            FROM generate_series(1, 40) c, generate_series(0, 1) s GROUP BY c) x)$$);

-- touch_outcomes, touch_report
SELECT pg_temp.fz_put('touch_outcomes', 'ordinary',
  $$(SELECT touch_outcomes(timestamptz '2026-01-01' + g * interval '5 hours', (ARRAY['welcome', 'tips', NULL])[g % 3 + 1],
                           (ARRAY['sent', 'opened', 'clicked'])[g % 5 % 3 + 1], g % 4 = 0, '1 day', g * 1.25)
     FROM generate_series(1, 12) g)$$);
SELECT pg_temp.fz_put('touch_outcomes', 'odd names, extreme revenue, last_touch',
  $$(SELECT touch_outcomes(timestamptz '2026-01-01' + g * interval '1 minute', (ARRAY['', E'q"\\b', 'ünï '])[g % 3 + 1],
                           'sent', g % 2 = 1, '3 minutes', -1234567890123456789012345.6789, 'last_touch')
     FROM generate_series(0, 5) g)$$);
SELECT pg_temp.fz_put('touch_outcomes', 'nothing', $$(SELECT touch_outcomes(NULL::timestamptz, 'a', 'sent', true, '1 day'))$$);
SELECT pg_temp.fz_put('touch_report', 'ordinary',
  $$(SELECT touch_report(o) FROM (SELECT touch_outcomes(timestamptz '2026-01-01' + g * interval '5 hours', (ARRAY['welcome', 'tips', NULL])[g % 3 + 1],
                           (ARRAY['sent', 'opened', 'clicked'])[g % 5 % 3 + 1], g % 4 = 0, '1 day', g * 1.25) AS o
     FROM generate_series(1, 30) g GROUP BY g % 3) x)$$);
SELECT pg_temp.fz_put('touch_report', 'no customers', $$'v1 model=opened window_us=1 customers=0 conversions=0 unattributed=0 revenue=0 unattributed_revenue=0'::touch_report$$);
SELECT pg_temp.fz_put('touch_report', 'counts near 2^63',
  $$'v1 model=sent window_us=9223372036854775807 customers=9223372036854775807 conversions=9223372036854775807 unattributed=1 revenue=1 unattributed_revenue=1 {"" sent=9223372036854775807 opened=9223372036854775807 clicked=0 converted=1 orphans=9223372036854775807 revenue=0.00000000000000000001 ttc=v1 n=1 zeros=0 sum_us=9223372036854775807 min_us=9223372036854775807 max_us=9223372036854775807 buckets=2206:1}'::touch_report$$);

-- experiment
SELECT pg_temp.fz_put('experiment', 'ordinary',
  $$(SELECT experiment_agg((ARRAY['control', 'b'])[1 + i % 2], i % 7 = 0, (i % 13) * 1.25, i % 5) FROM generate_series(1, 60) i)$$);
SELECT pg_temp.fz_put('experiment', 'conversions only, three arms',
  $$(SELECT experiment_agg((ARRAY['control', 'b "x"', 'c\'])[1 + i % 3], i % 2 = 0) FROM generate_series(1, 30) i)$$);
SELECT pg_temp.fz_put('experiment', 'extreme doubles',
  $$(SELECT experiment_agg(v, true, x) FROM (VALUES ('control', 1.3e154::float8), ('control', 5e-324), ('b', -1.3e154), ('b', 0.1)) t(v, x))$$);
SELECT pg_temp.fz_put('experiment', 'units near 2^62',
  $$(SELECT rollup(e) FROM (VALUES ('v1 value=f pre=f arms=1 "control" n=2305843009213693951 conversions=2305843009213693951'::experiment),
                                   ('v1 value=f pre=f arms=1 "control" n=2305843009213693951 conversions=1'::experiment)) x(e))$$);

-- drivers
SELECT pg_temp.fz_put('drivers', 'ordinary',
  $$(SELECT driver_agg(i % 4 = 0, ARRAY['f' || (i % 7), CASE WHEN i % 3 = 0 THEN 'opened' END]) FROM generate_series(1, 200) i)$$);
SELECT pg_temp.fz_put('drivers', 'quoted, empty and unicode names',
  $$(SELECT driver_agg(i % 2 = 0, ARRAY['a"b\c', '', 'ünï']) FROM generate_series(1, 3) i)$$);
SELECT pg_temp.fz_put('drivers', 'customers near 2^62',
  $$(SELECT rollup(d) FROM (VALUES ('v1 n=2305843009213693951 conversions=2305843009213693951 features=1 "a" with=2305843009213693951 converted=2305843009213693951'::drivers),
                                   ('v1 n=2305843009213693951 conversions=0 features=0'::drivers)) x(d))$$);

------------------------------------------------------------------ mutations
-- fz_mut: (type, seed, text or binary, how it was made, the literal)
CREATE TEMP TABLE fz_mut (id serial PRIMARY KEY, typ text, label text, kind text, how text, lit text, bin bytea);

CREATE FUNCTION pg_temp.fz_pick(a text[]) RETURNS text LANGUAGE sql AS $$
    SELECT a[1 + floor(random() * cardinality(a))::int]
$$;
CREATE FUNCTION pg_temp.fz_rand(n int) RETURNS int LANGUAGE sql AS $$   -- 0 .. n-1
    SELECT floor(random() * n)::int
$$;

-- Text variants of s: about 4 * n of them plus its truncations.
CREATE FUNCTION pg_temp.fz_text_mutants(s text, n int) RETURNS TABLE (how text, lit text) LANGUAGE plpgsql AS $$
DECLARE
    len int := length(s);
    specials text[] := ARRAY['9223372036854775808', '9223372036854775807', '-9223372036854775808',
        '-9223372036854775809', '18446744073709551616', '99999999999999999999999999999999999999',
        '2147483647', '2147483648', '-2147483649', '4294967296', '32768', '65536', '256', '255',
        '-1', '-0', '0', '00', '000000000000000000000000001', '1e-310', '4.9e-324', '2e-324', '1e308',
        '1.7976931348623157e308', '1.8e308', '1e309', '-1e308', '1e400', '1e-400', 'NaN', 'nan', 'inf',
        '-inf', 'Infinity', '-Infinity', '0.5', '1.5', '-0.5', '1e', '1e+', '.', '0x10', '1_000', '+5',
        '', ' 7', '7 ', '1.0000000000000000000000001', '12345678901234567890.123456789'];
    chars text[] := ARRAY['0', '1', '9', '-', '+', '.', 'e', 'E', ',', ':', '=', ' ', '*', '/', '{', '}',
        '[', ']', '(', ')', '"', '\', 'x', 'v', E'\t', E'\n', 'é', '#', ';', '|', 'n', 'N', '_', '%', 'a'];
    segs text[];
    nums int[];
    fields text[];
    sep text;
    i int;
    j int;
    k int;
    p int;
    t text;
BEGIN
    -- truncations: every length for short values, else a sample
    IF len <= 120 THEN
        FOR k IN 0 .. len - 1 LOOP
            how := 'cut at ' || k; lit := left(s, k); RETURN NEXT;
        END LOOP;
    ELSE
        FOR i IN 1 .. 40 LOOP
            k := CASE WHEN i <= 10 THEN i * 3 WHEN i <= 20 THEN len - (i - 10) * 3 ELSE pg_temp.fz_rand(len) END;
            how := 'cut at ' || k; lit := left(s, k); RETURN NEXT;
        END LOOP;
    END IF;

    -- numbers: split into number and other segments, replace one number
    SELECT array_agg(m[1] ORDER BY o) INTO segs
    FROM regexp_matches(s, '(-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|[^-0-9]+|-)', 'g') WITH ORDINALITY AS r(m, o);
    SELECT array_agg(o::int ORDER BY o) INTO nums FROM unnest(segs) WITH ORDINALITY AS u(x, o) WHERE x ~ '^-?[0-9]';
    IF nums IS NOT NULL THEN
        FOR i IN 1 .. 2 * n LOOP
            k := nums[1 + pg_temp.fz_rand(cardinality(nums))];
            t := CASE pg_temp.fz_rand(4)
                     WHEN 0 THEN CASE WHEN segs[k] ~ '^-?[0-9]+$' THEN (segs[k]::numeric + 1)::text ELSE segs[k] || '1' END
                     WHEN 1 THEN CASE WHEN segs[k] ~ '^-?[0-9]+$' THEN (segs[k]::numeric - 1)::text ELSE '-' || segs[k] END
                     ELSE pg_temp.fz_pick(specials) END;
            how := format('number %s (%s) -> %s', k, segs[k], t);
            lit := array_to_string(segs[1 : k - 1], '') || t || array_to_string(segs[k + 1 :], '');
            RETURN NEXT;
        END LOOP;
    END IF;

    -- fields separated by spaces or commas: deleted, doubled, swapped
    FOREACH sep IN ARRAY ARRAY[' ', ','] LOOP
        fields := string_to_array(s, sep);
        IF cardinality(fields) > 1 THEN
            FOR i IN 1 .. least(cardinality(fields), n / 2 + 1) LOOP
                k := CASE WHEN cardinality(fields) <= n / 2 + 1 THEN i ELSE 1 + pg_temp.fz_rand(cardinality(fields)) END;
                j := 1 + pg_temp.fz_rand(cardinality(fields));
                how := format('%L-field %s deleted', sep, k);
                lit := array_to_string(fields[1 : k - 1] || fields[k + 1 :], sep); RETURN NEXT;
                how := format('%L-field %s doubled', sep, k);
                lit := array_to_string(fields[1 : k] || fields[k :], sep); RETURN NEXT;
                IF j <> k THEN
                    how := format('%L-fields %s and %s swapped', sep, k, j);
                    lit := array_to_string(fields[1 : least(j, k) - 1] || fields[greatest(j, k)]
                                           || fields[least(j, k) + 1 : greatest(j, k) - 1] || fields[least(j, k)]
                                           || fields[greatest(j, k) + 1 :], sep);
                    RETURN NEXT;
                END IF;
            END LOOP;
        END IF;
    END LOOP;

    -- characters replaced, deleted, inserted, doubled
    FOR i IN 1 .. n LOOP
        p := 1 + pg_temp.fz_rand(greatest(len, 1));
        t := pg_temp.fz_pick(chars);
        CASE pg_temp.fz_rand(4)
            WHEN 0 THEN how := format('char %s -> %L', p, t); lit := overlay(s PLACING t FROM p FOR 1);
            WHEN 1 THEN how := format('char %s deleted', p); lit := overlay(s PLACING '' FROM p FOR 1);
            WHEN 2 THEN how := format('%L inserted at %s', t, p); lit := overlay(s PLACING t FROM p FOR 0);
            ELSE k := 1 + pg_temp.fz_rand(8);
                 how := format('chars %s..%s doubled', p, p + k - 1);
                 lit := overlay(s PLACING substr(s, p, k) || substr(s, p, k) FROM p FOR k);
        END CASE;
        RETURN NEXT;
    END LOOP;

    -- whole-value variants
    RETURN QUERY VALUES ('empty', ''), ('blank', ' '), ('twice', s || s), ('twice, spaced', s || ' ' || s),
        ('leading space', ' ' || s), ('trailing space', s || ' '), ('trailing junk', s || 'x'),
        ('upper case', upper(s)), ('spaces doubled', replace(s, ' ', '  ')), ('tabs for spaces', replace(s, ' ', E'\t')),
        ('every digit 9', translate(s, '012345678', '999999999')), ('every number 0', regexp_replace(s, '[0-9]+', '0', 'g')),
        ('every number huge', regexp_replace(s, '[0-9]+', '99999999999999999999', 'g')),
        ('signs flipped', translate(s, '-+', '+-')), ('first field only', split_part(s, ' ', 1)),
        ('first comma item only', split_part(s, ',', 1));
END $$;

-- Binary variants of b: about 4 * n of them plus truncations and the
-- header sweep.
CREATE FUNCTION pg_temp.fz_int(w int, x numeric) RETURNS bytea LANGUAGE sql AS $$
    -- x modulo 2^(8w), big-endian two's complement, in w bytes
    SELECT substr(int8send(CASE WHEN u >= 9223372036854775808 THEN u - 18446744073709551616 ELSE u END::bigint), 9 - w)
    FROM (SELECT mod(mod(x, m) + m, m) AS u FROM (SELECT power(2::numeric, 8 * w) AS m) p) s
$$;

CREATE FUNCTION pg_temp.fz_bin_mutants(b bytea, n int) RETURNS TABLE (how text, bin bytea) LANGUAGE plpgsql AS $$
DECLARE
    len int := length(b);
    edges numeric[] := ARRAY[0, 1, 2, 8, 127, 128, 255, 32767, 32768, 65535, 2147483647, 2147483648, 4294967295,
                             9223372036854775807, 9223372036854775808, 18446744073709551615, 10000, 100000000];
    widths int[] := ARRAY[1, 2, 4, 8];
    i int;
    k int;
    w int;
    x numeric;
BEGIN
    -- truncations
    IF len <= 160 THEN
        FOR k IN 0 .. len - 1 LOOP
            how := 'cut at ' || k; bin := substr(b, 1, k); RETURN NEXT;
        END LOOP;
    ELSE
        FOR i IN 1 .. 60 LOOP
            k := CASE WHEN i <= 20 THEN i * 2 - 1 WHEN i <= 30 THEN len - (i - 20) ELSE pg_temp.fz_rand(len) END;
            how := 'cut at ' || k; bin := substr(b, 1, k); RETURN NEXT;
        END LOOP;
    END IF;

    -- header sweep: every 1/2/4/8-byte field in the first 32 bytes set to an edge
    FOR k IN 0 .. least(len, 32) - 1 LOOP
        FOREACH w IN ARRAY widths LOOP
            CONTINUE WHEN k + w > len;
            x := edges[1 + pg_temp.fz_rand(cardinality(edges))];
            how := format('%s bytes at %s := %s', w, k, x);
            bin := overlay(b PLACING pg_temp.fz_int(w, x) FROM k + 1 FOR w); RETURN NEXT;
        END LOOP;
    END LOOP;

    FOR i IN 1 .. n LOOP
        k := pg_temp.fz_rand(greatest(len, 1));
        w := widths[1 + pg_temp.fz_rand(4)];
        CASE pg_temp.fz_rand(7)
            WHEN 0 THEN   -- a field further on set to an edge
                CONTINUE WHEN k + w > len;
                x := edges[1 + pg_temp.fz_rand(cardinality(edges))];
                how := format('%s bytes at %s := %s', w, k, x);
                bin := overlay(b PLACING pg_temp.fz_int(w, x) FROM k + 1 FOR w);
            WHEN 1 THEN   -- one byte set
                CONTINUE WHEN len = 0;
                x := (ARRAY[0, 1, 127, 128, 255, pg_temp.fz_rand(256)])[1 + pg_temp.fz_rand(6)];
                how := format('byte %s := %s', k, x);
                bin := set_byte(b, k, x::int);
            WHEN 2 THEN   -- one bit flipped
                CONTINUE WHEN len = 0;
                x := pg_temp.fz_rand(8);
                how := format('bit %s of byte %s flipped', x, k);
                bin := set_byte(b, k, get_byte(b, k) # (1 << x::int));
            WHEN 3 THEN   -- bytes deleted
                how := format('%s bytes deleted at %s', w, k);
                bin := overlay(b PLACING '' FROM k + 1 FOR w);
            WHEN 4 THEN   -- bytes inserted
                how := format('%s bytes inserted at %s', w, k);
                bin := overlay(b PLACING pg_temp.fz_int(w, edges[1 + pg_temp.fz_rand(cardinality(edges))]) FROM k + 1 FOR 0);
            WHEN 5 THEN   -- bytes appended
                bin := (ARRAY['\x00', '\xff', '\x00000000', '\xffffffffffffffff', '\x7fffffff',
                              substr(b, 1, 16)]::bytea[])[1 + pg_temp.fz_rand(6)];
                how := format('%s appended', bin);
                bin := b || bin;
            ELSE          -- a random 8-byte window
                CONTINUE WHEN k + 8 > len;
                x := floor(random() * 18446744073709551616);
                how := format('8 bytes at %s := %s', k, x);
                bin := overlay(b PLACING pg_temp.fz_int(8, x) FROM k + 1 FOR 8);
        END CASE;
        RETURN NEXT;
    END LOOP;
    how := 'twice'; bin := b || b; RETURN NEXT;
    how := 'empty'; bin := ''; RETURN NEXT;
END $$;

-- n per seed, scaled down for big values (their parse costs more)
DO $$
DECLARE
    s record;
    o record;
    n int;
BEGIN
    FOR s IN SELECT * FROM fz_seed ORDER BY typ, label LOOP
        n := CASE WHEN length(s.v) > 20000 THEN 15 WHEN length(s.v) > 2000 THEN 30 ELSE 60 END;
        INSERT INTO fz_mut (typ, label, kind, how, lit) VALUES (s.typ, s.label, 'text', 'seed', s.v);
        INSERT INTO fz_mut (typ, label, kind, how, bin) VALUES (s.typ, s.label, 'binary', 'seed', s.b);
        INSERT INTO fz_mut (typ, label, kind, how, lit)
        SELECT s.typ, s.label, 'text', m.how, m.lit FROM pg_temp.fz_text_mutants(s.v, n) m;
        INSERT INTO fz_mut (typ, label, kind, how, bin)
        SELECT s.typ, s.label, 'binary', m.how, m.bin FROM pg_temp.fz_bin_mutants(s.b, n) m;
        -- splices with the other values of the type
        FOR o IN SELECT * FROM fz_seed WHERE typ = s.typ AND label <> s.label ORDER BY label LOOP
            INSERT INTO fz_mut (typ, label, kind, how, bin)
            SELECT s.typ, s.label, 'binary', format('first %s bytes, then %L from %s', k, o.label, j),
                   substr(s.b, 1, k) || substr(o.b, j + 1)
            FROM (SELECT pg_temp.fz_rand(length(s.b) + 1) AS k, pg_temp.fz_rand(length(o.b) + 1) AS j
                  FROM generate_series(1, 4)) c;
            INSERT INTO fz_mut (typ, label, kind, how, lit)
            SELECT s.typ, s.label, 'text', format('first %s chars, then %L from %s', k, o.label, j),
                   left(s.v, k) || substr(o.v, j + 1)
            FROM (SELECT pg_temp.fz_rand(length(s.v) + 1) AS k, pg_temp.fz_rand(length(o.v) + 1) AS j
                  FROM generate_series(1, 4)) c;
        END LOOP;
    END LOOP;
END $$;
-- the same literal from two mutations is checked once
DELETE FROM fz_mut a USING fz_mut b
WHERE a.typ = b.typ AND a.kind = b.kind AND a.id > b.id
  AND a.lit IS NOT DISTINCT FROM b.lit AND a.bin IS NOT DISTINCT FROM b.bin;

------------------------------------------------------------------ checks
-- Accessors called on every accepted value ($1 is its text): each must
-- answer or fail with a data-exception SQLSTATE.
CREATE TEMP TABLE fz_probe (typ text, expr text);
INSERT INTO fz_probe VALUES
  ('durations', 'num_vals($1::durations)'), ('durations', 'min_val($1::durations)'),
  ('durations', 'max_val($1::durations)'), ('durations', 'mean($1::durations)'),
  ('durations', 'quantiles($1::durations, ARRAY[0, 0.01, 0.5, 0.99, 1])'),
  ('durations', 'durations_merge($1::durations, $1::durations)'),
  ('durations', 'durations_add($1::durations, interval ''1 hour'')'),
  ('funnel_path', 'steps($1::funnel_path)'), ('funnel_path', 'total_steps($1::funnel_path)'),
  ('funnel_path', '(SELECT array_agg(reached_at($1::funnel_path, k)) FROM generate_series(1, 8) k)'),
  ('funnel_path', '(SELECT array_agg(time_to_step($1::funnel_path, k)) FROM generate_series(1, 8) k)'),
  ('funnel_path', 'time_between($1::funnel_path, 1, 2)'),
  ('funnel_path', '(SELECT funnel(p) FROM (VALUES ($1::funnel_path), ($1::funnel_path)) x(p))'),
  ('funnel', 'num_customers($1::funnel)'), ('funnel', '(SELECT array_agg(f) FROM funnel_steps($1::funnel) f)'),
  ('funnel', 'step_durations($1::funnel, 2)'), ('funnel', 'step_durations($1::funnel, 2, true)'),
  ('funnel', 'funnel_merge($1::funnel, $1::funnel)'),
  ('pipeline_path', 'ARRAY[current_stage($1::pipeline_path), current_stage($1::pipeline_path, timestamptz ''2024-01-04'')]'),
  ('pipeline_path', 'ARRAY[is_lost($1::pipeline_path), is_lost($1::pipeline_path, timestamptz ''2024-01-04'')]'),
  ('pipeline_path', '(SELECT array_agg(entered_at($1::pipeline_path, k)) FROM generate_series(1, 64) k)'),
  ('pipeline_path', '(SELECT array_agg(time_in_stage($1::pipeline_path, k)) FROM generate_series(1, 64) k)'),
  ('pipeline_path', '(SELECT array_agg(time_in_stage($1::pipeline_path, k, timestamptz ''2024-01-04'')) FROM generate_series(1, 64) k)'),
  ('pipeline_path', '(SELECT pipeline(p, timestamptz ''2024-01-04'') FROM (VALUES ($1::pipeline_path), ($1::pipeline_path)) x(p))'),
  ('pipeline', 'ARRAY[num_deals($1::pipeline)]'), ('pipeline', 'as_of($1::pipeline)'),
  ('pipeline', '(SELECT array_agg(s) FROM pipeline_stages($1::pipeline) s)'),
  ('pipeline', 'stage_durations($1::pipeline, 2)'), ('pipeline', 'stage_durations($1::pipeline, 1, true)'),
  ('pipeline', 'pipeline_merge($1::pipeline, $1::pipeline)'),
  ('rfm', 'ARRAY[recency_score($1::rfm), frequency_score($1::rfm), monetary_score($1::rfm), rfm_bins($1::rfm)]'),
  ('rfm', 'rfm_segment($1::rfm)'), ('rfm', 'rfm_hash($1::rfm)'), ('rfm', 'rfm_cmp($1::rfm, rfm(1, 1, 1))'),
  ('rfm_model', 'ARRAY[rfm_bins($1::rfm_model), rfm_population($1::rfm_model)]'),
  ('rfm_model', 'rfm_is_exact($1::rfm_model)'),
  ('rfm_model', '(SELECT count(*) FROM rfm_thresholds($1::rfm_model))'),
  ('rfm_model', 'rfm_score($1::rfm_model, timestamptz ''2024-01-05'', 3, 7.5)'),
  ('rfm_model', 'rfm_model_merge($1::rfm_model, $1::rfm_model)'),
  ('rfm_model', 'rfm_scales($1::rfm_model)'),
  ('rfm', 'rfm_scales($1::rfm)'),
  ('rfm_transitions', '(SELECT array_agg(t) FROM rfm_transition_rows($1::rfm_transitions) t)'),
  ('rfm_transitions', 'rfm_transitions_merge($1::rfm_transitions, ''v1 "x">"y"*1'')'),
  ('unit_economics', 'ltv_per_unit($1::unit_economics)'),
  ('unit_economics', '(SELECT array_agg(r) FROM unit_economics_report($1::unit_economics) r)'),
  ('unit_economics', 'unit_economics_merge($1::unit_economics, $1::unit_economics)'),
  ('clv_data', 'clv_data_merge($1::clv_data, $1::clv_data)'),
  ('clv_data', 'clv_data_add_gg($1::clv_data, 2, 10)'),
  ('clv_model', '(SELECT array_agg(p) FROM clv_params($1::clv_model) p)'),
  -- (on parameters near 1e308 a prediction spends its whole quadrature
  -- budget, about a second, before its clean error: probed below 1e6 only)
  -- (OFFSET 0 keeps the planner from folding the call on constants)
  ('clv_model', '(SELECT expected_purchases(m, 10, 2, 5, 10) FROM (SELECT $1::clv_model AS m OFFSET 0) x
                  WHERE (SELECT max(abs(value)) FROM clv_params(m) WHERE name IN (''r'', ''alpha'', ''a'', ''b'')) < 1e6)'),
  ('clv_model', 'probability_alive($1::clv_model, 2, 5, 10)'),
  ('clv_model', 'expected_avg_value($1::clv_model, 2, 30)'),
  ('cohort_retention', 'ARRAY[cohort_size($1::cohort_retention)::text, cohort_period($1::cohort_retention)::text]'),
  ('cohort_retention', '(SELECT array_agg(m) FROM retention_matrix($1::cohort_retention) m)'),
  ('cohort_retention', 'ARRAY[retention_share($1::cohort_retention, 0), retention_share($1::cohort_retention, 1)]'),
  ('cohort_retention', 'cohort_retention_merge($1::cohort_retention, $1::cohort_retention)'),
  ('cohort_retention', 'cohort_retention_add($1::cohort_retention, B''101'')'),
  ('cohort_value', 'ARRAY[cohort_size($1::cohort_value)::text, payback_period($1::cohort_value, 1, 0.5)::text]'),
  ('cohort_value', '(SELECT array_agg(m) FROM cohort_value_matrix($1::cohort_value) m)'),
  ('cohort_value', 'cohort_value_merge($1::cohort_value, $1::cohort_value)'),
  ('journey', 'ARRAY[num_events($1::journey)::text, first_at($1::journey)::text, last_at($1::journey)::text]'),
  ('journey', 'journey_labels($1::journey)'),
  ('journey', '(SELECT array_agg(e) FROM journey_events($1::journey) e)'),
  ('journey', '(SELECT array_agg(ARRAY[num_events($1::journey, l)::text, first_at($1::journey, l)::text,
                                       last_at($1::journey, l)::text, total_amount($1::journey, l)::text])
              FROM unnest(journey_labels($1::journey)) l)'),
  ('journey', 'journey_merge($1::journey, $1::journey)'),
  ('touch_outcomes', '(SELECT array_agg(r) FROM touch_report_rows($1::touch_outcomes) r)'),
  ('touch_outcomes', 'touch_report_totals($1::touch_outcomes)'),
  ('touch_outcomes', 'touch_report_add(NULL, $1::touch_outcomes)'),
  ('touch_report', '(SELECT array_agg(r) FROM touch_report_rows($1::touch_report) r)'),
  ('touch_report', 'touch_report_totals($1::touch_report)'),
  ('touch_report', 'touch_report_merge($1::touch_report, $1::touch_report)'),
  ('path_tree', '(SELECT array_agg(e) FROM path_edges($1::path_tree, 100) e)'),
  ('path_tree', '(SELECT array_agg(n) FROM path_nodes($1::path_tree, 3) n)'),
  ('path_tree', 'ARRAY[num_paths($1::path_tree), path_steps($1::path_tree)]'),
  ('path_tree', 'path_tree_merge($1::path_tree, $1::path_tree)'),
  ('experiment', '(SELECT array_agg(r) FROM experiment_report($1::experiment, ''control'') r)'),
  ('experiment', 'experiment_merge($1::experiment, $1::experiment)'),
  ('drivers', '(SELECT array_agg(r) FROM driver_report($1::drivers, 0) r)'),
  ('drivers', 'drivers_merge($1::drivers, $1::drivers)');

-- An error code allowed for bad input of this kind (text or binary).
CREATE FUNCTION pg_temp.fz_allowed(state text, kind text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT (state LIKE '22%' OR state LIKE '54%')
           AND NOT (kind = 'text' AND state = '22P03') AND NOT (kind = 'binary' AND state = '22P02')
$$;

-- A value through the text input, written back as text.
CREATE FUNCTION pg_temp.fz_in(typ text, lit text, OUT val text, OUT state text, OUT msg text) LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SELECT %L::%s::text', lit, typ) INTO val;
EXCEPTION WHEN OTHERS THEN
    state := SQLSTATE; msg := SQLERRM;
END $$;

-- A payload through the receive function (a one-row COPY BINARY file
-- into a view whose INSTEAD OF trigger keeps the value's text and send
-- output: nothing is written to a table).
CREATE FUNCTION pg_temp.fz_catch() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    val text;
    sent bytea;
BEGIN
    EXECUTE format('SELECT $1::text, %s($1)', TG_ARGV[0]) INTO val, sent USING NEW.v;
    PERFORM set_config('journey_fuzz.val', val, true);
    PERFORM set_config('journey_fuzz.sent', encode(sent, 'hex'), true);
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    PERFORM set_config('journey_fuzz.val', '', true);
    PERFORM set_config('journey_fuzz.sent', format('output of the received value: ERROR %s: %s', SQLSTATE, SQLERRM), true);
    RETURN NULL;
END $$;
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT DISTINCT typ FROM fz_seed LOOP
        EXECUTE format('CREATE TEMP VIEW fz_into_%s AS SELECT NULL::%s AS v', t, t);
        EXECUTE format('CREATE TRIGGER fz_catch INSTEAD OF INSERT ON fz_into_%s FOR EACH ROW EXECUTE FUNCTION pg_temp.fz_catch(%L)',
                       t, pg_temp.fz_send_fn(t));
    END LOOP;
END $$;

CREATE FUNCTION pg_temp.fz_recv(typ text, payload bytea, OUT val text, OUT sent bytea, OUT state text, OUT msg text)
LANGUAGE plpgsql AS $$
DECLARE
    path text := current_setting('data_directory') || '/journey_fuzz_' || pg_backend_pid() || '.bin';
BEGIN
    EXECUTE format('COPY (SELECT %L::bytea) TO %L WITH (FORMAT binary)', payload, path);
    BEGIN
        EXECUTE format('COPY pg_temp.fz_into_%s FROM %L WITH (FORMAT binary)', typ, path);
        val := current_setting('journey_fuzz.val');
        IF val = '' THEN
            state := 'XXOUT'; msg := current_setting('journey_fuzz.sent');
            val := NULL;
        ELSE
            sent := decode(current_setting('journey_fuzz.sent'), 'hex');
        END IF;
    EXCEPTION WHEN OTHERS THEN
        state := SQLSTATE; msg := SQLERRM;
    END;
END $$;

-- What became of one mutation: verdict 'rejected' (a clean error),
-- 'bad error' (a disallowed SQLSTATE), 'accepted' (and round trips),
-- 'no round trip' or 'bad accessor' (accepted, but ...), with the detail.
CREATE FUNCTION pg_temp.fz_check(typ text, kind text, lit text, bin bytea,
                                 OUT verdict text, OUT state text, OUT detail text, OUT ms float8)
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
    i record;
    r record;
    r2 record;
    val text;
    sent bytea;
    probe text;
BEGIN
    IF kind = 'text' THEN
        i := pg_temp.fz_in(typ, lit);
        IF i.state IS NOT NULL THEN
            verdict := CASE WHEN pg_temp.fz_allowed(i.state, kind) THEN 'rejected' ELSE 'bad error' END;
            state := i.state; detail := i.msg;
        ELSE
            val := i.val;
            BEGIN
                EXECUTE format('SELECT %s(%L::%s)', pg_temp.fz_send_fn(typ), val, typ) INTO sent;
            EXCEPTION WHEN OTHERS THEN
                verdict := 'no round trip'; state := SQLSTATE;
                detail := format('accepted as %s, but its text output does not read back: %s', val, SQLERRM);
            END;
        END IF;
    ELSE
        r := pg_temp.fz_recv(typ, bin);
        IF r.state IS NOT NULL AND r.state <> 'XXOUT' THEN
            verdict := CASE WHEN pg_temp.fz_allowed(r.state, kind) THEN 'rejected' ELSE 'bad error' END;
            state := r.state; detail := r.msg;
        ELSIF r.state = 'XXOUT' THEN
            verdict := 'no round trip'; state := r.state; detail := 'accepted, but ' || r.msg;
        ELSE
            val := r.val; sent := r.sent;
        END IF;
    END IF;

    IF verdict IS NULL THEN
        -- accepted: the text output reads back to itself ...
        i := pg_temp.fz_in(typ, val);
        IF i.state IS NOT NULL THEN
            verdict := 'no round trip'; state := i.state;
            detail := format('accepted as %s, whose text the text input rejects: %s', val, i.msg);
        ELSIF i.val <> val THEN
            verdict := 'no round trip';
            detail := format('accepted as %s, which reads back as %s', val, i.val);
        ELSE
            -- ... and the send output receives back to the same value and bytes
            r2 := pg_temp.fz_recv(typ, sent);
            IF r2.state IS NOT NULL THEN
                verdict := 'no round trip'; state := r2.state;
                detail := format('accepted as %s, whose binary form %s the receive function rejects: %s', val, sent, r2.msg);
            ELSIF r2.val <> val OR r2.sent <> sent THEN
                verdict := 'no round trip';
                detail := format('accepted as %s (binary %s), whose binary form receives as %s (binary %s)', val, sent, r2.val, r2.sent);
            END IF;
        END IF;
    END IF;

    IF verdict IS NULL THEN
        FOR probe IN SELECT expr FROM fz_probe p WHERE p.typ = fz_check.typ ORDER BY expr LOOP
            BEGIN
                EXECUTE format('SELECT (%s)::text', probe) USING val;
            EXCEPTION WHEN OTHERS THEN
                IF NOT (SQLSTATE LIKE '22%' OR SQLSTATE LIKE '54%') THEN
                    verdict := 'bad accessor'; state := SQLSTATE;
                    detail := format('accepted as %s; %s fails: %s', val, probe, SQLERRM);
                    EXIT;
                END IF;
            END;
        END LOOP;
    END IF;
    verdict := coalesce(verdict, 'accepted');
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
END $$;

CREATE TEMP TABLE fz_res AS
SELECT m.*, c.* FROM fz_mut m, LATERAL pg_temp.fz_check(m.typ, m.kind, m.lit, m.bin) c;

------------------------------------------------------------------ active_periods states
-- The state of active_periods is a bytea that SQL can hand to
-- active_periods_trans, _merge and _final: a hostile one must give a
-- clean error, or act as a well-formed state (its final bit string
-- equals the bit string its text reads back as; merged with itself it is
-- itself).
CREATE TEMP TABLE fz_state (label text PRIMARY KEY, origin timestamptz, period interval, periods int, b bytea);
INSERT INTO fz_state
SELECT label, origin, period, periods,
       (SELECT s FROM (SELECT active_periods_trans(active_periods_trans(NULL, t1, true, origin, period, periods),
                                                   t2, true, origin, period, periods) AS s) x)
FROM (VALUES ('ten days', timestamptz '2024-01-01', interval '1 day', 10, timestamptz '2024-01-03', timestamptz '2024-01-10'),
             ('one microsecond period', '2024-01-01', '1 microsecond', 1, '2024-01-01', '2024-01-01'),
             ('ten thousand periods', '2000-01-01', '1 day', 10000, '2000-01-01', '2027-05-18'),
             ('from 4713 BC', '4713-01-01 00:00:00+00 BC', '290000 years', 8, '294276-12-31 23:59:59.999999+00', '4713-01-01 00:00:00+00 BC'),
             ('nothing active', '2024-01-01', '7 days', 9, '2023-01-01', '2030-01-01')) v(label, origin, period, periods, t1, t2);

CREATE TEMP TABLE fz_state_mut AS
SELECT s.label, m.how, m.bin FROM fz_state s, LATERAL pg_temp.fz_bin_mutants(s.b, 80) m
UNION ALL
SELECT s.label, format('first %s bytes, then %L from %s', k, o.label, j), substr(s.b, 1, k) || substr(o.b, j + 1)
FROM fz_state s JOIN fz_state o ON o.label <> s.label,
     LATERAL (SELECT pg_temp.fz_rand(length(s.b) + 1) AS k, pg_temp.fz_rand(length(o.b) + 1) AS j
              FROM generate_series(1, 4)) c;

CREATE FUNCTION pg_temp.fz_state_check(label text, m bytea, OUT verdict text, OUT state text, OUT detail text)
LANGUAGE plpgsql AS $$
DECLARE
    s fz_state;
    f varbit;
    call text;
    calls text[];
BEGIN
    SELECT * INTO s FROM fz_state WHERE fz_state.label = fz_state_check.label;
    calls := ARRAY[format('active_periods_final(%L::bytea)', m),
                   format('active_periods_final(active_periods_merge(%L::bytea, %L::bytea))', m, m),
                   format('active_periods_final(active_periods_merge(%L::bytea, %L::bytea))', s.b, m),
                   format('active_periods_final(active_periods_merge(%L::bytea, %L::bytea))', m, s.b),
                   format('active_periods_final(active_periods_trans(%L::bytea, %L, true, %L, %L, %s))',
                          m, s.origin + s.period, s.origin, s.period, s.periods)];
    FOREACH call IN ARRAY calls LOOP
        BEGIN
            EXECUTE 'SELECT ' || call INTO f;
            IF (f::text::varbit <> f OR varbit_send(f) <> varbit_send(f::text::varbit)) AND verdict IS NULL THEN
                verdict := 'malformed';
                detail := format('%s is %s, binary %s, which is not the bit string %s (binary %s)',
                                 call, f, varbit_send(f), f::text, varbit_send(f::text::varbit));
            END IF;
        EXCEPTION WHEN OTHERS THEN
            IF NOT pg_temp.fz_allowed(SQLSTATE, 'binary') THEN
                verdict := 'bad error'; state := SQLSTATE; detail := format('%s fails: %s', call, SQLERRM);
                RETURN;
            END IF;
        END;
    END LOOP;
    verdict := coalesce(verdict, 'clean');
END $$;

CREATE TEMP TABLE fz_state_res AS
SELECT m.*, c.* FROM fz_state_mut m, LATERAL pg_temp.fz_state_check(m.label, m.bin) c;

------------------------------------------------------------------ tests
-- per type: the seeds, then text and binary mutations, each rejected
-- cleanly or round-tripping
CREATE FUNCTION pg_temp.fz_show(kind text) RETURNS text LANGUAGE sql AS $$
    SELECT CASE WHEN kind = 'text' THEN 'lit' ELSE 'encode(bin, ''hex'')' END
$$;
CREATE FUNCTION pg_temp.fz_tests(t text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    RETURN NEXT is_empty(format($q$
        SELECT label, kind, verdict, state, detail FROM fz_res
        WHERE typ = %L AND how = 'seed' AND verdict <> 'accepted'$q$, t),
        format('%s: %s seeds round-trip in text and binary and their accessors answer', t,
               (SELECT count(*) FROM fz_seed WHERE typ = t)));
    RETURN NEXT is_empty(format($q$
        SELECT %s AS literal, how, label AS seed, state, detail FROM fz_res
        WHERE typ = %L AND kind = 'text' AND verdict = 'bad error' ORDER BY id$q$, pg_temp.fz_show('text'), t),
        format('%s: %s text mutations rejected with a data-exception SQLSTATE (class 22 or 54, not 22P03) or accepted', t,
               (SELECT count(*) FROM fz_res WHERE typ = t AND kind = 'text')));
    RETURN NEXT is_empty(format($q$
        SELECT %s AS literal, how, label AS seed, verdict, state, detail FROM fz_res
        WHERE typ = %L AND kind = 'text' AND verdict IN ('no round trip', 'bad accessor') ORDER BY id$q$, pg_temp.fz_show('text'), t),
        format('%s: %s accepted text mutations round-trip in text and binary and their accessors answer', t,
               (SELECT count(*) FROM fz_res WHERE typ = t AND kind = 'text' AND verdict <> 'rejected' AND how <> 'seed')));
    RETURN NEXT is_empty(format($q$
        SELECT %s AS payload, how, label AS seed, state, detail FROM fz_res
        WHERE typ = %L AND kind = 'binary' AND verdict = 'bad error' ORDER BY id$q$, pg_temp.fz_show('binary'), t),
        format('%s: %s binary mutations rejected with a data-exception SQLSTATE (class 22 or 54, not 22P02) or accepted', t,
               (SELECT count(*) FROM fz_res WHERE typ = t AND kind = 'binary')));
    RETURN NEXT is_empty(format($q$
        SELECT %s AS payload, how, label AS seed, verdict, state, detail FROM fz_res
        WHERE typ = %L AND kind = 'binary' AND verdict IN ('no round trip', 'bad accessor') ORDER BY id$q$, pg_temp.fz_show('binary'), t),
        format('%s: %s accepted binary mutations round-trip, the text input accepts them, and their accessors answer', t,
               (SELECT count(*) FROM fz_res WHERE typ = t AND kind = 'binary' AND verdict <> 'rejected' AND how <> 'seed')));
END $$;

SELECT is_empty($$
  SELECT t, count(DISTINCT s.label) AS seeds, count(m.id) AS mutations
  FROM unnest(ARRAY['durations', 'funnel_path', 'funnel', 'rfm', 'rfm_model', 'rfm_transitions', 'unit_economics',
                    'clv_data', 'clv_model', 'cohort_retention', 'cohort_value', 'journey', 'touch_outcomes', 'touch_report', 'path_tree', 'pipeline_path', 'pipeline', 'experiment', 'drivers']) t
  LEFT JOIN fz_seed s ON s.typ = t LEFT JOIN fz_mut m ON m.typ = t AND m.label = s.label
  GROUP BY t HAVING count(DISTINCT s.label) < 3 OR count(m.id) < 500
$$, 'every type has at least 3 seeds and 500 mutations');

SELECT pg_temp.fz_tests('durations');
SELECT pg_temp.fz_tests('funnel_path');
SELECT pg_temp.fz_tests('funnel');
SELECT pg_temp.fz_tests('rfm');
SELECT pg_temp.fz_tests('rfm_model');
SELECT pg_temp.fz_tests('rfm_transitions');
SELECT pg_temp.fz_tests('unit_economics');
SELECT pg_temp.fz_tests('clv_data');
SELECT pg_temp.fz_tests('clv_model');
SELECT pg_temp.fz_tests('cohort_retention');
SELECT pg_temp.fz_tests('cohort_value');
SELECT pg_temp.fz_tests('journey');
SELECT pg_temp.fz_tests('touch_outcomes');
SELECT pg_temp.fz_tests('touch_report');
SELECT pg_temp.fz_tests('path_tree');
SELECT pg_temp.fz_tests('pipeline_path');
SELECT pg_temp.fz_tests('pipeline');
SELECT pg_temp.fz_tests('experiment');
SELECT pg_temp.fz_tests('drivers');

SELECT is_empty($$
  SELECT typ, kind, how, left(coalesce(lit, encode(bin, 'hex')), 200) AS input, round(ms) AS ms
  FROM fz_res WHERE ms > 5000 ORDER BY ms DESC
$$, 'no mutation takes more than 5 s to read, round-trip and probe');

-- active_periods states
SELECT is_empty($$
  SELECT encode(bin, 'hex') AS state, how, label AS seed, state, detail FROM fz_state_res
  WHERE verdict = 'bad error'
$$, format('active_periods: %s mutated states rejected by _trans/_merge/_final with a data-exception SQLSTATE or accepted',
           (SELECT count(*) FROM fz_state_mut)));

-- (found by this test: 0.2.0 before the fix copied such padding bits out)
SELECT is_empty($$
  SELECT encode(bin, 'hex') AS state, how, label AS seed, detail FROM fz_state_res
  WHERE verdict = 'malformed'
$$, 'active_periods: an accepted mutated state gives a well-formed bit string (zero padding)');

-- what was tried, per type (for the record)
SELECT diag(format('%-17s %-7s %5s mutations: %5s rejected, %4s accepted', typ, kind, count(*),
                   count(*) FILTER (WHERE verdict IN ('rejected', 'bad error')),
                   count(*) FILTER (WHERE verdict NOT IN ('rejected', 'bad error'))))
FROM fz_res GROUP BY typ, kind ORDER BY typ, kind;
SELECT diag(format('active_periods    state   %5s mutations: %s', sum(n),
                   string_agg(v || ' ' || n, ', ' ORDER BY v)))
FROM (SELECT verdict AS v, count(*) AS n FROM fz_state_res GROUP BY verdict) x;

SELECT * FROM finish();
ROLLBACK;

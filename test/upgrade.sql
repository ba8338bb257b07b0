-- The upgrade path: a database that installed journey 0.1.0 and ran
-- ALTER EXTENSION journey UPDATE has exactly the objects of a fresh install
-- of the current version (every property an install script decides, see
-- test/fixtures/describe.sql), and the values it stored read the same
-- after the update.  The 0.1.0 script (journey--0.1.0.sql, frozen) runs
-- against the current shared library: that is what an operator's update
-- does (the new library is installed first, then ALTER EXTENSION).
-- All inside one transaction, rolled back.
BEGIN;
SELECT plan(11);
SET LOCAL client_min_messages = warning;
SET LOCAL timezone = 'UTC';
SET LOCAL extra_float_digits = 1;

\i test/fixtures/describe.sql
\i test/fixtures/figures.sql
\i test/fixtures/values-0.1.0.sql

SELECT extversion AS current_version FROM pg_extension WHERE extname = 'journey' \gset

-- 1. a fresh install of the current version
CREATE TEMP TABLE fresh AS SELECT * FROM pg_temp.journey_objects();
SELECT cmp_ok((SELECT count(*) FROM fresh WHERE kind = 'function'), '>', 100::bigint,
              'the description of a fresh install has the extension''s functions');

-- 2. journey 0.1.0, with values of every type stored in tables
DROP EXTENSION journey;
CREATE EXTENSION journey VERSION '0.1.0';
SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'journey'), '0.1.0',
          'CREATE EXTENSION journey VERSION ''0.1.0'' installs 0.1.0');

-- values as 0.1.0 wrote them: parsed from their 0.1.0 text, and planted as
-- the raw bytes 0.1.0 kept on disk (a binary-coercible cast from a
-- double-aligned bytea look-alike: bytea itself is int4-aligned)
CREATE TYPE pg_temp.journey_raw;
CREATE FUNCTION pg_temp.journey_raw_in(cstring) RETURNS pg_temp.journey_raw
    AS 'byteain' LANGUAGE internal IMMUTABLE STRICT;
CREATE FUNCTION pg_temp.journey_raw_out(pg_temp.journey_raw) RETURNS cstring
    AS 'byteaout' LANGUAGE internal IMMUTABLE STRICT;
CREATE TYPE pg_temp.journey_raw (INPUT = pg_temp.journey_raw_in, OUTPUT = pg_temp.journey_raw_out,
                                 INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended);

CREATE TEMP TABLE stored_before (tab text, typ text, label text, val text, figures text);
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT DISTINCT v.typ, ty.typlen = -1 AND ty.typtype = 'b' AS varlena
             FROM values_010 v JOIN pg_type ty ON ty.oid = v.typ::regtype ORDER BY 1 LOOP
        -- a regular table per type, as a user has
        EXECUTE format('CREATE TABLE upgrade_%s (label text, from_text %s, from_disk %s, from_agg %s)',
                       t.typ, t.typ, t.typ, t.typ);
        IF t.varlena THEN
            EXECUTE format('CREATE CAST (pg_temp.journey_raw AS %s) WITHOUT FUNCTION', t.typ);
            EXECUTE format($q$INSERT INTO upgrade_%s (label, from_text, from_disk)
                              SELECT label, text_out::%s, ('\x' || raw_hex)::pg_temp.journey_raw::%s
                              FROM values_010 WHERE typ = %L$q$, t.typ, t.typ, t.typ, t.typ);
        ELSE
            EXECUTE format($q$INSERT INTO upgrade_%s (label, from_text)
                              SELECT label, text_out::%s FROM values_010 WHERE typ = %L$q$,
                           t.typ, t.typ, t.typ);
        END IF;
    END LOOP;
END $$;

-- and values made by the 0.1.0 SQL objects (aggregates declared by the
-- 0.1.0 script, running the current library)
CREATE TEMP TABLE ev AS
SELECT c, timestamptz '2024-01-01 00:00:00+00' + ((c * 7919 + e * 104729) % 20000) * interval '1 minute' AS ts,
       (c + e) % 3 = 0 AS s1, (c + e) % 3 = 1 AS s2, (c * e) % 4 = 2 AS s3, e
FROM generate_series(1, 40) c, generate_series(1, 12) e;
INSERT INTO upgrade_durations (label, from_agg)
SELECT 'aggregated', duration_agg(((g * 7919) % 100000) * interval '13 seconds') FROM generate_series(1, 500) g;
INSERT INTO upgrade_funnel_path (label, from_agg)
SELECT 'aggregated', funnel_path(ts, interval '7 days', s1, s2, s3) FROM ev WHERE c = 5;
INSERT INTO upgrade_funnel (label, from_agg)
SELECT 'aggregated', funnel(p) FROM (SELECT funnel_path(ts, interval '7 days', s1, s2, s3) AS p FROM ev GROUP BY c) x;
INSERT INTO upgrade_rfm (label, from_agg) VALUES ('aggregated', rfm(4, 2, 5));
INSERT INTO upgrade_rfm_model (label, from_agg)
SELECT 'aggregated', rfm_model(ts, e::float8, (c * 13 % 50)::float8) FROM ev WHERE c <= 5;
INSERT INTO upgrade_unit_economics (label, from_agg)
SELECT 'aggregated', unit_economics(c * 10.25, c * 2.5, (c % 4)::bigint, 12.34) FROM generate_series(1, 40) c;
CREATE TEMP TABLE cdnow_summary (customer_id int, x int, t_x float8, t float8, zbar numeric);
\copy cdnow_summary FROM 'data/cdnow_summary.csv' WITH (FORMAT csv, HEADER true)
INSERT INTO upgrade_clv_data (label, from_agg)
SELECT 'aggregated', bgnbd_data(x, t_x, t) FROM cdnow_summary WHERE customer_id <= 500;
INSERT INTO upgrade_clv_model (label, from_agg)
SELECT 'aggregated', bgnbd_fit(x, t_x, t) FROM cdnow_summary WHERE customer_id <= 1000;
INSERT INTO upgrade_clv_inputs (label, from_agg)
SELECT 'aggregated', clv_inputs(ts, 10 + e, '2024-03-01', '1 day') FROM ev WHERE c = 3;
INSERT INTO upgrade_lifecycle_stage (label, from_agg)
SELECT 'aggregated', lifecycle_stage(ts, e = 1, e > 2, '2024-03-01', '14 days', '60 days') FROM ev WHERE c = 3;
INSERT INTO upgrade_lifecycle_status (label, from_agg)
SELECT 'aggregated', lifecycle_status(ts, e = 1, e > 2, '2024-03-01', '14 days', '60 days') FROM ev WHERE c = 3;
INSERT INTO upgrade_cohort_retention (label, from_agg)
SELECT 'aggregated', retention_agg(((c * 7919) % 256)::bit(8)::varbit) FROM generate_series(1, 10) c;

-- text and figures of everything stored, before the update
CREATE FUNCTION pg_temp.stored_values() RETURNS TABLE (tab text, typ text, label text, val text, figures text)
LANGUAGE plpgsql AS $$
DECLARE
    t text;
    col text;
BEGIN
    FOR t IN SELECT DISTINCT v.typ FROM values_010 v ORDER BY 1 LOOP
        FOREACH col IN ARRAY ARRAY['from_text', 'from_disk', 'from_agg'] LOOP
            RETURN QUERY EXECUTE format(
                'SELECT %L, %L, label, %I::text, pg_temp.journey_figures(%L, %I::text)
                 FROM upgrade_%s WHERE %I IS NOT NULL', col, t, col, t, col, t, col);
        END LOOP;
    END LOOP;
END $$;
INSERT INTO stored_before SELECT * FROM pg_temp.stored_values();
SELECT is((SELECT count(DISTINCT typ) FROM stored_before), (SELECT count(DISTINCT typ) FROM values_010),
          'values of every type stored under 0.1.0');

-- 3. the update
ALTER EXTENSION journey UPDATE TO :'current_version';
SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'journey'), :'current_version',
          'ALTER EXTENSION journey UPDATE reaches the current version');

CREATE TEMP TABLE updated AS SELECT * FROM pg_temp.journey_objects();

-- 4. the same objects, property by property (set differences: a row on
-- one side only is an object missing or differing on the other)
SELECT is((SELECT count(*) FROM updated), (SELECT count(*) FROM fresh),
          'the updated database has as many extension objects as a fresh install');
SELECT is_empty($$ SELECT kind, ident FROM fresh EXCEPT SELECT kind, ident FROM updated ORDER BY 1, 2 $$,
                'no object of a fresh install is missing after the update');
SELECT is_empty($$ SELECT kind, ident FROM updated EXCEPT SELECT kind, ident FROM fresh ORDER BY 1, 2 $$,
                'the update leaves no object a fresh install does not have');
-- (only the properties that differ: "property: fresh -> updated")
SELECT is_empty($$ SELECT f.kind, f.ident,
                          string_agg(format('%s: %s -> %s', d.key, coalesce(d.fv::text, '(none)'),
                                            coalesce(d.uv::text, '(none)')), '; ' ORDER BY d.key) AS differences
                   FROM fresh f JOIN updated u USING (kind, ident),
                        LATERAL (SELECT key, fe.value AS fv, ue.value AS uv
                                 FROM jsonb_each(f.descr::jsonb) fe FULL JOIN jsonb_each(u.descr::jsonb) ue USING (key)
                                 WHERE fe.value IS DISTINCT FROM ue.value) d
                   GROUP BY f.kind, f.ident ORDER BY 1, 2 $$,
                'every object has the same properties as in a fresh install');

-- 5. the values stored by 0.1.0 read the same
CREATE TEMP TABLE stored_after AS SELECT * FROM pg_temp.stored_values();
SELECT is((SELECT count(*) FROM stored_after), (SELECT count(*) FROM stored_before),
          'every stored value still reads after the update');
SELECT is_empty($$ SELECT tab, typ, label, b.val AS before, a.val AS after
                   FROM stored_before b FULL JOIN stored_after a USING (tab, typ, label)
                   WHERE b.val IS DISTINCT FROM a.val ORDER BY 1, 2, 3 $$,
                'stored values print the same text after the update');
SELECT is_empty($$ SELECT tab, typ, label, b.figures AS before, a.figures AS after
                   FROM stored_before b FULL JOIN stored_after a USING (tab, typ, label)
                   WHERE b.figures IS DISTINCT FROM a.figures ORDER BY 1, 2, 3 $$,
                'stored values give the same figures (accessors) after the update');

SELECT * FROM finish();
ROLLBACK;

-- Values stored by journey 0.1.0 keep reading under the current code.
-- test/fixtures/values-0.1.0.sql holds, for values of every 0.1.0 type,
-- what the 0.1.0 library (commit bf7369a) wrote: the text output, the
-- binary send output and, for varlena types, the raw datum bytes; and the
-- figures its accessors returned (test/fixtures/figures.sql).  Here, with
-- the current library, for each value:
--   - its 0.1.0 text parses, and prints the 0.1.0 text or its documented
--     current equivalent (table text_now below);
--   - its accessors return the 0.1.0 figures;
--   - its 0.1.0 send bytes recv (through COPY BINARY) to the same value;
--   - its 0.1.0 on-disk bytes, planted back through a binary-coercible
--     cast, read as the same value with the same figures.
-- A failure names the type and the value (label); an error is shown as
-- "ERROR <sqlstate>: <message>" in place of the result.
BEGIN;
SET LOCAL client_min_messages = warning;
SET LOCAL timezone = 'UTC';
SET LOCAL extra_float_digits = 1;

\i test/fixtures/figures.sql
\i test/fixtures/values-0.1.0.sql

-- When a type's text output changes, the changed text of each 0.1.0 value
-- goes here (and the change into CHANGELOG.md and the README): the 0.1.0
-- text must still parse to the same value.
CREATE TEMP TABLE text_now (typ text, label text, text_out text, PRIMARY KEY (typ, label));
-- funnel 0.2.0 (format v2) carries window and mode; a 0.1.0 funnel has
-- neither, so only the version word of its text changes.
INSERT INTO text_now
SELECT typ, label, regexp_replace(text_out, '^v1 ', 'v2 ') FROM values_010 WHERE typ = 'funnel';
-- rfm_model 0.2.0 (format v2) has a scale per dimension; a 0.1.0 model has
-- one, so only the version word of its text changes.
INSERT INTO text_now
SELECT typ, label, regexp_replace(text_out, '^v1 ', 'v2 ') FROM values_010 WHERE typ = 'rfm_model';

-- an expression's text, or the error it raised
CREATE FUNCTION pg_temp.try(expr text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    result text;
BEGIN
    EXECUTE 'SELECT (' || expr || ')::text' INTO result;
    RETURN result;
EXCEPTION WHEN OTHERS THEN
    RETURN format('ERROR %s: %s', SQLSTATE, SQLERRM);
END $$;

-- the value a type's receive function makes of payload (a COPY BINARY
-- file with one row, written into the data directory), as text
CREATE FUNCTION pg_temp.recv_text(typ text, payload bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    path text := current_setting('data_directory') || '/journey_stored_values.bin';
    lo oid;
    result text;
BEGIN
    lo := lo_from_bytea(0, '\x5047434f50590aff0d0a00'::bytea || '\x0000000000000000'::bytea
                           || '\x0001'::bytea || int4send(length(payload)) || payload || '\xffff'::bytea);
    PERFORM lo_export(lo, path);
    PERFORM lo_unlink(lo);
    EXECUTE format('CREATE TEMP TABLE recv_target (v %s)', typ);
    EXECUTE format('COPY recv_target FROM %L WITH (FORMAT binary)', path);
    SELECT v::text INTO result FROM recv_target;
    DROP TABLE recv_target;
    RETURN result;
END $$;

-- bytea's I/O on a double-aligned varlena (bytea is int4-aligned, so it
-- cannot be cast binary-coercibly to our double-aligned types)
CREATE TYPE pg_temp.journey_raw;
CREATE FUNCTION pg_temp.journey_raw_in(cstring) RETURNS pg_temp.journey_raw
    AS 'byteain' LANGUAGE internal IMMUTABLE STRICT;
CREATE FUNCTION pg_temp.journey_raw_out(pg_temp.journey_raw) RETURNS cstring
    AS 'byteaout' LANGUAGE internal IMMUTABLE STRICT;
CREATE TYPE pg_temp.journey_raw (INPUT = pg_temp.journey_raw_in, OUTPUT = pg_temp.journey_raw_out,
                                 INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended);
SELECT format('CREATE CAST (pg_temp.journey_raw AS %s) WITHOUT FUNCTION', typ)
FROM (SELECT DISTINCT typ FROM values_010 WHERE raw_hex IS NOT NULL) t ORDER BY typ \gexec

CREATE TEMP TABLE v AS
SELECT typ, label, text_out, figures, send_hex, raw_hex,
       coalesce((SELECT n.text_out FROM text_now n WHERE (n.typ, n.label) = (v.typ, v.label)), v.text_out) AS expect_text,
       pg_temp.try(format('%L::%s', text_out, typ)) AS parsed
FROM values_010 v;

SELECT plan((SELECT (1 + 2 * count(*) + count(*) FILTER (WHERE typ <> 'lifecycle_status')
                     + 2 * count(raw_hex))::int FROM v));

SELECT is((SELECT count(DISTINCT typ) FROM v), 12::bigint, 'the fixture has values of the 12 types of 0.1.0');

-- 1. text
SELECT is(parsed, expect_text, format('%s "%s": the 0.1.0 text parses and prints the same', typ, label))
FROM v ORDER BY typ, label;

-- 2. figures
SELECT is(pg_temp.try(format('pg_temp.journey_figures(%L, %L)', typ, text_out)), figures,
          format('%s "%s": its accessors return the 0.1.0 figures', typ, label))
FROM v ORDER BY typ, label;

-- 3. binary: recv of the 0.1.0 send bytes (not lifecycle_status: a
-- composite's binary form carries its columns' type OIDs, here that of the
-- enum lifecycle_stage, which differ between databases)
SELECT is(pg_temp.try(format('pg_temp.recv_text(%L, %L::bytea)', typ, '\x' || send_hex)), parsed,
          format('%s "%s": recv of its 0.1.0 send bytes gives the same value', typ, label))
FROM v WHERE typ <> 'lifecycle_status' ORDER BY typ, label;

-- 4. on disk: the raw bytes of 0.1.0's varlena types read as the same value
SELECT is(pg_temp.try(format('%L::pg_temp.journey_raw::%s', '\x' || raw_hex, typ)), parsed,
          format('%s "%s": its 0.1.0 on-disk bytes read as the same value', typ, label))
FROM v WHERE raw_hex IS NOT NULL ORDER BY typ, label;
SELECT is(pg_temp.try(format('pg_temp.journey_figures(%L, NULL, %L)',
                             typ, format('%L::pg_temp.journey_raw::%s', '\x' || raw_hex, typ))), figures,
          format('%s "%s": its 0.1.0 on-disk bytes give the 0.1.0 figures', typ, label))
FROM v WHERE raw_hex IS NOT NULL ORDER BY typ, label;

SELECT * FROM finish();
ROLLBACK;

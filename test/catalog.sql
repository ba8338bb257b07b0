-- Contracts every journey object must keep, whoever adds it: aggregates
-- PARALLEL SAFE with a combine function (serialize/deserialize when the
-- state is internal), no function named like a built-in aggregate (Citus
-- and users' SQL would resolve it by name), every function's volatility
-- and parallel safety chosen, every type with binary I/O; no function
-- SECURITY DEFINER, and every SQL or PL/pgSQL function with a fixed
-- search_path; META.json carrying journey.control's version.
BEGIN;
SELECT plan(11);

SELECT has_extension('journey');

CREATE TEMP VIEW journey_functions AS
SELECT p.oid, p.proname, p.prokind, p.proparallel, p.provolatile, p.prolang, p.proconfig, p.prosecdef
FROM pg_proc p
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'journey';

SELECT cmp_ok((SELECT count(*) FROM journey_functions), '>', 0::bigint, 'the extension has functions');

SELECT is_empty($$
  SELECT f.oid::regprocedure FROM journey_functions f WHERE f.prokind = 'a' AND f.proparallel <> 's'
$$, 'every aggregate is PARALLEL SAFE');

SELECT is_empty($$
  SELECT f.oid::regprocedure FROM journey_functions f JOIN pg_aggregate a ON a.aggfnoid = f.oid
  WHERE a.aggkind = 'n' AND a.aggcombinefn = 0
$$, 'every normal aggregate has a combine function');

SELECT is_empty($$
  SELECT f.oid::regprocedure FROM journey_functions f JOIN pg_aggregate a ON a.aggfnoid = f.oid
  WHERE a.aggtranstype = 'internal'::regtype AND (a.aggserialfn = 0 OR a.aggdeserialfn = 0)
$$, 'every aggregate with an internal state serializes it');

SELECT is_empty($$
  SELECT f.oid::regprocedure FROM journey_functions f
  WHERE f.proname IN ('count', 'min', 'max', 'sum', 'avg', 'stddev', 'variance', 'array_agg',
                      'string_agg', 'bool_and', 'bool_or', 'every', 'percentile_cont',
                      'percentile_disc', 'mode', 'corr', 'regr_count')
$$, 'no function takes the name of a built-in aggregate');

SELECT is_empty($$
  SELECT t.oid::regtype FROM pg_type t
  JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'journey'
  WHERE t.typtype = 'b' AND (t.typreceive = 0 OR t.typsend = 0)
$$, 'every base type has binary receive and send');

SELECT is_empty($$
  SELECT f.oid::regprocedure FROM journey_functions f WHERE f.prosecdef
$$, 'no function is SECURITY DEFINER');

-- PostgreSQL's rule for extension functions (sql/security.sql plants the
-- objects that would otherwise run): a fixed search_path, or every
-- operator, function, type and cast qualified.  outreach_enqueue runs the
-- caller's query text, which must see the caller's search_path, so it is
-- the one function that qualifies everything instead.
SELECT is_empty($$
  SELECT f.oid::regprocedure FROM journey_functions f JOIN pg_language l ON l.oid = f.prolang
  WHERE l.lanname IN ('sql', 'plpgsql')
    AND NOT EXISTS (SELECT FROM unnest(f.proconfig) c WHERE c LIKE 'search\_path=%')
    AND f.oid <> 'outreach_enqueue(regclass, text)'::regprocedure
$$, 'every SQL and PL/pgSQL function but outreach_enqueue fixes its search_path');

-- The version lives in journey.control (default_version); META.json
-- (PGXN) must say the same.  psql reads the file, so the server needs no
-- access to the source tree.
\set meta `cat "${JOURNEY_ROOT:-.}/META.json"`
SELECT is((:'meta'::jsonb)->>'version',
          (SELECT default_version FROM pg_available_extensions WHERE name = 'journey'),
          'META.json version is journey.control''s default_version');
SELECT is((:'meta'::jsonb)#>>'{provides,journey,version}',
          (SELECT default_version FROM pg_available_extensions WHERE name = 'journey'),
          'META.json provides journey at journey.control''s default_version');

SELECT * FROM finish();
ROLLBACK;

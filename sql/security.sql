-- Security: a role that can create objects in a schema on a superuser's
-- search_path plants operators, functions, domains and casts named like
-- the built-in ones the extension's SQL and PL/pgSQL functions use; a
-- superuser then calls every such function.  Nothing planted may run.
--
-- Runs in a database of its own, so that the extension can be installed
-- in public (the default) and then in a schema of its own.

-- The functions this test covers: every LANGUAGE sql / plpgsql function of
-- the extension.  A new one must be added to the calls below.
SELECT p.oid::regprocedure AS function, l.lanname AS language,
       coalesce(array_to_string(p.proconfig, ', '), '') AS settings
FROM pg_proc p
JOIN pg_language l ON l.oid = p.prolang
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'journey'
WHERE l.lanname IN ('sql', 'plpgsql')
ORDER BY 1::text;

SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_mallory;
CREATE ROLE regress_mallory NOLOGIN;
RESET client_min_messages;
CREATE DATABASE journey_security;
\c journey_security
SET timezone = 'UTC';
SET client_min_messages = warning;
CREATE EXTENSION journey;
RESET client_min_messages;

-- The superuser's own objects: a queue with its key, one without, and the
-- candidates (a table, so the user's query text needs no operator).
CREATE TABLE sec_queue (
  customer_id bigint NOT NULL,
  milestone text NOT NULL,
  reached_at timestamptz NOT NULL,
  sent_at timestamptz,
  PRIMARY KEY (customer_id, milestone, reached_at));
CREATE TABLE sec_no_key (customer_id bigint, milestone text, reached_at timestamptz);
CREATE TABLE sec_candidates AS
SELECT i::bigint AS customer_id, 'm' || i AS milestone,
       timestamptz '2020-01-01 00:00:00+00' + i * interval '1 day' AS reached_at
FROM generate_series(1, 3) i;

-- What ran: anyone may append (the planted code runs as whoever calls it).
CREATE TABLE trojan_log (what text, as_superuser boolean);
GRANT INSERT ON trojan_log TO PUBLIC;

-- Mallory may create objects in public (PostgreSQL 15 no longer grants
-- that to everyone, many databases still do).
GRANT CREATE ON SCHEMA public TO regress_mallory;
SET ROLE regress_mallory;

-- The payload: log, and if the caller is a superuser, take it over.
CREATE FUNCTION public.trojan(what text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  su boolean := (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) current_user);
BEGIN
  RAISE NOTICE 'planted % ran (superuser: %)', what, su;
  INSERT INTO public.trojan_log VALUES (what, su);
  IF su THEN
    ALTER ROLE regress_mallory SUPERUSER;
  END IF;
  RETURN true;
END $$;

-- Operators the functions' comparisons could resolve to: exact matches
-- where pg_catalog has only a coercing one (oid = regclass), and exact
-- duplicates of pg_catalog's that win when public precedes pg_catalog.
CREATE FUNCTION public.t_eq_oid_regclass(oid, regclass) RETURNS boolean LANGUAGE sql
  AS $$ SELECT public.trojan('=(oid, regclass)') AND $1 OPERATOR(pg_catalog.=) $2::pg_catalog.oid $$;
CREATE OPERATOR public.= (LEFTARG = oid, RIGHTARG = regclass, FUNCTION = public.t_eq_oid_regclass);
CREATE FUNCTION public.t_eq_regclass_oid(regclass, oid) RETURNS boolean LANGUAGE sql
  AS $$ SELECT public.trojan('=(regclass, oid)') AND $1::pg_catalog.oid OPERATOR(pg_catalog.=) $2 $$;
CREATE OPERATOR public.= (LEFTARG = regclass, RIGHTARG = oid, FUNCTION = public.t_eq_regclass_oid);
CREATE FUNCTION public.t_eq_int2(int2, int2) RETURNS boolean LANGUAGE sql
  AS $$ SELECT public.trojan('=(int2, int2)') AND $1 OPERATOR(pg_catalog.=) $2 $$;
CREATE OPERATOR public.= (LEFTARG = int2, RIGHTARG = int2, FUNCTION = public.t_eq_int2);
CREATE FUNCTION public.t_ne_name(name, name) RETURNS boolean LANGUAGE sql
  AS $$ SELECT public.trojan('<>(name, name)') AND $1 OPERATOR(pg_catalog.<>) $2 $$;
CREATE OPERATOR public.<> (LEFTARG = name, RIGHTARG = name, FUNCTION = public.t_ne_name);
CREATE FUNCTION public.t_le_tstz(timestamptz, timestamptz) RETURNS boolean LANGUAGE sql
  AS $$ SELECT public.trojan('<=(timestamptz, timestamptz)') AND $1 OPERATOR(pg_catalog.<=) $2 $$;
CREATE OPERATOR public.<= (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = public.t_le_tstz);
CREATE FUNCTION public.t_lt_int4(int4, int4) RETURNS boolean LANGUAGE sql
  AS $$ SELECT public.trojan('<(integer, integer)') AND $1 OPERATOR(pg_catalog.<) $2 $$;
CREATE OPERATOR public.< (LEFTARG = int4, RIGHTARG = int4, FUNCTION = public.t_lt_int4);
CREATE FUNCTION public.t_eq_tid(tid, tid) RETURNS boolean LANGUAGE sql
  AS $$ SELECT public.trojan('=(tid, tid)') AND $1 OPERATOR(pg_catalog.=) $2 $$;
CREATE OPERATOR public.= (LEFTARG = tid, RIGHTARG = tid, FUNCTION = public.t_eq_tid);

-- Functions: overloads more exact than pg_catalog's (format's VARIADIC
-- "any"), and exact duplicates.
CREATE FUNCTION public.format(text, regclass, text) RETURNS text LANGUAGE sql
  AS $$ SELECT public.trojan('format(text, regclass, text)')::pg_catalog.text OPERATOR(pg_catalog.||) pg_catalog.format($1, $2, $3) $$;
CREATE FUNCTION public.format(text, regclass, integer) RETURNS text LANGUAGE sql
  AS $$ SELECT public.trojan('format(text, regclass, integer)')::pg_catalog.text OPERATOR(pg_catalog.||) pg_catalog.format($1, $2, $3) $$;
CREATE FUNCTION public.format(text, regclass) RETURNS text LANGUAGE sql
  AS $$ SELECT public.trojan('format(text, regclass)')::pg_catalog.text OPERATOR(pg_catalog.||) pg_catalog.format($1, $2) $$;
CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE sql
  AS $$ SELECT CASE WHEN public.trojan('now()') THEN pg_catalog.now() END $$;
CREATE FUNCTION public.unnest(int2[]) RETURNS SETOF int2 LANGUAGE sql
  AS $$ SELECT pg_catalog.unnest($1) WHERE public.trojan('unnest(int2[])') $$;
CREATE FUNCTION public.unnest(int2vector) RETURNS SETOF int2 LANGUAGE sql
  AS $$ SELECT pg_catalog.unnest($1::pg_catalog.int2[]) WHERE public.trojan('unnest(int2vector)') $$;
CREATE FUNCTION public.current_setting(text) RETURNS text LANGUAGE sql
  AS $$ SELECT CASE WHEN public.trojan('current_setting(text)') THEN pg_catalog.current_setting($1) END $$;

-- Types named like built-in ones (a domain whose CHECK runs the payload
-- on every cast to it), and a cast from a built-in type to one of them.
CREATE DOMAIN public.name AS pg_catalog.name CHECK (public.trojan('domain name'));
CREATE DOMAIN public.text AS pg_catalog.text CHECK (public.trojan('domain text'));
CREATE DOMAIN public.oid AS pg_catalog.oid CHECK (public.trojan('domain oid'));
CREATE DOMAIN public.jsonb AS pg_catalog.jsonb CHECK (public.trojan('domain jsonb'));
CREATE DOMAIN public.timestamptz AS pg_catalog.timestamptz CHECK (public.trojan('domain timestamptz'));
CREATE TYPE public.int2 AS ENUM ('1', '2', '3');
CREATE FUNCTION public.t_cast_int2vector(int2vector) RETURNS public.int2[] LANGUAGE sql
  AS $$ SELECT CASE WHEN public.trojan('cast int2vector as int2[]') THEN NULL::public.int2[] END $$;
CREATE CAST (int2vector AS public.int2[]) WITH FUNCTION public.t_cast_int2vector(int2vector);
RESET ROLE;

-- The trap is live: an unqualified comparison of the shape 0.1.0 used
-- runs the planted operator (in a transaction rolled back at once).
BEGIN;
SELECT count(*) > 0 AS found FROM pg_catalog.pg_index i WHERE i.indrelid = 'sec_queue'::regclass;
SELECT rolsuper AS mallory_is_superuser FROM pg_roles WHERE rolname = 'regress_mallory';
ROLLBACK;

-- 1. The extension in public, the default search_path.
SET search_path = "$user", public;
SELECT outreach_enqueue('sec_queue', 'SELECT customer_id, milestone, reached_at FROM sec_candidates') AS enqueued;
SELECT outreach_enqueue('sec_queue', 'SELECT customer_id, milestone, reached_at FROM sec_candidates') AS enqueued_again;
SELECT * FROM outreach_claim('sec_queue', 2);
SELECT count(*) AS claimed FROM outreach_claim('sec_queue', 10);
SELECT outreach_enqueue('sec_no_key', 'SELECT customer_id, milestone, reached_at FROM sec_candidates');
SELECT outreach_claim('sec_queue', 0);
SELECT rfm_segment('545', rfm_segment_map()) AS segment;
TRUNCATE sec_queue;

-- 2. The extension in public, public before pg_catalog.
SET search_path = public, pg_catalog;
SELECT outreach_enqueue('sec_queue', 'SELECT customer_id, milestone, reached_at FROM sec_candidates') AS enqueued;
SELECT * FROM outreach_claim('sec_queue', 2);
SELECT outreach_enqueue('sec_no_key', 'SELECT customer_id, milestone, reached_at FROM sec_candidates');
SELECT outreach_claim('sec_queue', 0);
SELECT outreach_enqueue(NULL, 'SELECT 1');
SELECT outreach_claim(NULL, 1);
SELECT rfm_segment('545', rfm_segment_map()) AS segment;
TRUNCATE sec_queue;
RESET search_path;

-- 3. The extension in a schema of its own, after public on the path
-- (with pg_catalog implicit, and with public before pg_catalog).
SET client_min_messages = warning;
DROP EXTENSION journey;
CREATE SCHEMA journey;
CREATE EXTENSION journey SCHEMA journey;
RESET client_min_messages;
SET search_path = public, journey;
SELECT outreach_enqueue('sec_queue', 'SELECT customer_id, milestone, reached_at FROM sec_candidates') AS enqueued;
SELECT * FROM outreach_claim('sec_queue', 2);
SELECT outreach_enqueue('sec_no_key', 'SELECT customer_id, milestone, reached_at FROM sec_candidates');
SELECT outreach_claim('sec_queue', 0);
SELECT rfm_segment('545', rfm_segment_map()) AS segment;
TRUNCATE sec_queue;
SET search_path = public, pg_catalog, journey;
SELECT outreach_enqueue('sec_queue', 'SELECT customer_id, milestone, reached_at FROM sec_candidates') AS enqueued;
SELECT * FROM outreach_claim('sec_queue', 2);
SELECT outreach_enqueue('sec_no_key', 'SELECT customer_id, milestone, reached_at FROM sec_candidates');
SELECT outreach_claim('sec_queue', 0);
SELECT outreach_enqueue(NULL, 'SELECT 1');
SELECT outreach_claim(NULL, 1);
SELECT rfm_segment('545', rfm_segment_map()) AS segment;
RESET search_path;

-- Nothing planted ran, and mallory is not a superuser.
SELECT count(*) AS planted_runs FROM trojan_log;
SELECT rolsuper AS mallory_is_superuser FROM pg_roles WHERE rolname = 'regress_mallory';

\c contrib_regression
DROP DATABASE journey_security;
DROP ROLE regress_mallory;

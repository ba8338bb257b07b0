-- journey 0.1.0 -> 0.2.0 upgrade script.
--
-- Every change to SQL objects between the two versions, in the order the
-- install script (src/*.sql) has them, one section per capability.  The
-- upgrade test (test/upgrade.sql) checks that a 0.1.0 database updated by
-- this script has exactly the objects of a fresh 0.2.0 install.
\echo Use "ALTER EXTENSION journey UPDATE TO '0.2.0'" to load this file. \quit

-- durations

-- ttfv

-- funnel
-- No SQL object changes: the funnel_step/funnel_path overloads are now
-- generated (src/funnel_overloads.sh) but identical; the funnel and
-- funnel_path format version 2 (window and mode) and the positive-window
-- check are in the shared library, which reads version 1 values.

-- rfm

-- unit_economics

-- clv

-- lifecycle

-- retention

-- outreach

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

-- rfm

-- unit_economics

-- clv

-- lifecycle

-- retention

-- outreach

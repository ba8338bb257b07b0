-- Milestone-triggered outreach: a job (by hand, then under real pg_cron
-- when the server has it loaded) finds customers
-- who reached a milestone (by what they did, or by time passing without
-- them doing anything) and inserts exactly one queue row per
-- (customer, milestone, reached_at).  reached_at comes from the data, not
-- from the clock of the run, so every run derives the same key for the
-- same milestone: "changed since the last run" is exactly the set of
-- candidate keys not yet in the queue, and ON CONFLICT DO NOTHING inserts
-- precisely those.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = postgres;

-- Events placed relative to t0 (the start of this test), days apart, so
-- the stages are the same whenever the job runs during the test.
CREATE TABLE ot_t0 AS SELECT date_trunc('second', now()) AS t0;
CREATE TABLE ot_events (customer_id bigint, ts timestamptz, name text);
INSERT INTO ot_events
SELECT c, t0 + d * interval '1 day', name
FROM ot_t0, (VALUES
  (1, -5, 'activate'),                                           -- activated, never used
  (2, -1, 'activate'),                                           -- activated a day ago: not 3 days yet
  (3, -40, 'activate'), (3, -39, 'first_report'), (3, -39, 'use'), (3, -20, 'use'),  -- dormant
  (4, -10, 'activate'), (4, -9, 'first_report'), (4, -1, 'use'),                     -- active
  (5, -100, 'activate'), (5, -99, 'use'), (5, -2, 'use'),                           -- resurrected
  (6, -30, 'signup')                                             -- prospect
) v(c, d, name);

-- The milestones, one view: stage per customer as of now() with
-- dormant_after = 14 days and churned_after = 60 days.
CREATE VIEW ot_candidates AS
WITH s AS (
  SELECT customer_id,
         lifecycle_status(ts, name = 'activate', name = 'use', now(), '14 days', '60 days') AS st,
         min(ts) FILTER (WHERE name = 'first_report') AS first_value_at
  FROM ot_events GROUP BY customer_id)
SELECT customer_id, 'activated_unused_3d' AS milestone, (st).activated_at + interval '3 days' AS reached_at
FROM s WHERE (st).stage = 'activated_unused'
UNION ALL
SELECT customer_id, 'first_value', first_value_at FROM s WHERE first_value_at IS NOT NULL
UNION ALL
SELECT customer_id, (st).stage::text, (st).since FROM s WHERE (st).stage IN ('dormant', 'churned', 'resurrected');

-- The queue: its key is what makes every run idempotent.
CREATE TABLE ot_queue (
  customer_id bigint NOT NULL,
  milestone text NOT NULL,
  reached_at timestamptz NOT NULL,
  detected_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  sent_at timestamptz,
  PRIMARY KEY (customer_id, milestone, reached_at)
);

-- A queue without such a key is refused: reruns would duplicate.
CREATE TABLE ot_no_key (customer_id bigint, milestone text, reached_at timestamptz);
SELECT outreach_enqueue('ot_no_key', 'SELECT * FROM ot_candidates');
CREATE UNIQUE INDEX ON ot_no_key (customer_id, milestone) WHERE customer_id > 0;
SELECT outreach_enqueue('ot_no_key', 'SELECT * FROM ot_candidates');
SELECT outreach_enqueue(NULL, 'SELECT * FROM ot_candidates');

-- The first run, by hand (the scheduled runs come at the end).
SELECT outreach_enqueue('ot_queue', 'SELECT * FROM ot_candidates') AS inserted_by_first_run;

-- Exactly one row per milestone; reached_at is relative to t0.
SELECT customer_id, milestone, reached_at - t0 AS reached_at_from_t0
FROM ot_queue, ot_t0 ORDER BY customer_id, milestone;

-- A second run adds nothing.
SELECT outreach_enqueue('ot_queue', 'SELECT * FROM ot_candidates') AS inserted_by_rerun;

-- New milestones: customer 7 activated 4 days ago and never used;
-- customer 8 reached first value a week ago.
INSERT INTO ot_events
SELECT c, t0 + d * interval '1 day', name
FROM ot_t0, (VALUES (7, -4, 'activate'), (8, -8, 'activate'), (8, -7, 'first_report'), (8, -7, 'use')) v(c, d, name);

-- A run killed by statement_timeout part-way through (each candidate row
-- takes 0.4 s, the limit is 1 s) leaves nothing behind ...
SET statement_timeout = '1s';
\set VERBOSITY terse
SELECT outreach_enqueue('ot_queue', 'SELECT * FROM ot_candidates WHERE pg_sleep(0.4) IS NOT NULL');
\set VERBOSITY default
RESET statement_timeout;
SELECT count(*) AS rows_after_killed_run FROM ot_queue;
-- ... and loses nothing: the next run finds exactly the two new milestones.
SELECT outreach_enqueue('ot_queue', 'SELECT * FROM ot_candidates') AS inserted_after_killed_run;
SELECT customer_id, milestone, reached_at - t0 AS reached_at_from_t0
FROM ot_queue, ot_t0 WHERE customer_id >= 7 ORDER BY customer_id, milestone;
SELECT outreach_enqueue('ot_queue', 'SELECT * FROM ot_candidates') AS inserted_by_third_run;

-- The rights the README recommends: the queue belongs to the job's role
-- (here the test's); the sender may read it and set sent_at, nothing
-- else.  With INSERT it could pre-insert a milestone's key with sent_at
-- set, and the job's ON CONFLICT DO NOTHING would then never queue the
-- real message: the sender gets no INSERT, nor does anyone else.
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_journey_sender;
CREATE ROLE regress_journey_sender;
RESET client_min_messages;
REVOKE ALL ON ot_queue FROM PUBLIC;
GRANT SELECT, UPDATE (sent_at) ON ot_queue TO regress_journey_sender;
SET ROLE regress_journey_sender;
INSERT INTO ot_queue (customer_id, milestone, reached_at, sent_at)
SELECT 9, 'first_value', t0, t0 FROM ot_t0;
UPDATE ot_queue SET reached_at = reached_at + interval '1 day';

-- The sender claims rows in batches; a claimed row is never claimed again.
SELECT count(*) AS first_batch FROM outreach_claim('ot_queue', 4);
SELECT count(*) AS second_batch FROM outreach_claim('ot_queue', 100);
SELECT count(*) AS third_batch FROM outreach_claim('ot_queue', 100);
RESET ROLE;
SELECT count(*) FILTER (WHERE sent_at IS NULL) AS unsent, count(*) AS total FROM ot_queue;
SELECT outreach_claim('ot_queue', 0);
SELECT outreach_claim('ot_queue', NULL);

-- Under real pg_cron (which lives in database postgres and runs the
-- command in this database): the README's job, scheduled twice in the
-- same minute on a fresh queue.  Its command returns one (empty) row per
-- milestone queued, so cron.job_run_details.return_message tells how many
-- rows a run queued ("SELECT n"; "n rows" when pg_cron connects over libpq
-- instead of using background workers).  Here each run also holds its
-- transaction open 5 s after inserting (ot_hold), so the two runs overlap:
-- the second waits on the first's uncommitted rows and then inserts
-- nothing for them instead of failing.  Skipped, with a message, on a
-- server without pg_cron in shared_preload_libraries, or whose pg_cron
-- keeps its jobs in another database than postgres (expected/outreach_1.out).
SELECT EXISTS (SELECT FROM pg_stat_activity WHERE backend_type = 'pg_cron launcher')
       AND current_setting('cron.database_name', true) = 'postgres' AS have_pg_cron \gset
\if :have_pg_cron
CREATE TABLE ot_cron_queue (LIKE ot_queue INCLUDING ALL);
CREATE FUNCTION ot_hold(n bigint) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_sleep(5);
  RETURN n;
END $$;
\c postgres
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_cron;
RESET client_min_messages;
SELECT cron.schedule_in_database(name, '* * * * *',
         $$SELECT FROM generate_series(1, ot_hold(outreach_enqueue('ot_cron_queue', 'SELECT * FROM ot_candidates')))$$,
         'contrib_regression') > 0 AS scheduled
FROM (VALUES ('journey_outreach_a'), ('journey_outreach_b')) v(name);
-- wait (at most 75 s) until both jobs have finished a run
DO $$
BEGIN
  FOR i IN 1..75 LOOP
    EXIT WHEN (SELECT count(DISTINCT d.jobid) FROM cron.job_run_details d JOIN cron.job j USING (jobid)
               WHERE j.jobname LIKE 'journey_outreach_%' AND d.status IN ('succeeded', 'failed')) = 2;
    PERFORM pg_sleep(1);
  END LOOP;
END $$;
-- one run queued all 7 milestones, the other (which waited) none
SELECT j.database, d.status, d.return_message
FROM cron.job j LEFT JOIN cron.job_run_details d USING (jobid)
WHERE j.jobname LIKE 'journey_outreach_%' ORDER BY d.return_message;
SELECT max(d.start_time) < min(d.end_time) AS runs_overlapped
FROM cron.job j JOIN cron.job_run_details d USING (jobid) WHERE j.jobname LIKE 'journey_outreach_%';
SELECT cron.unschedule(jobname) FROM cron.job WHERE jobname LIKE 'journey_outreach_%' ORDER BY jobname;
\c contrib_regression
-- the scheduled runs queued exactly the milestones of the runs by hand
SELECT (SELECT count(*) FROM ot_cron_queue) AS queued_by_cron,
       (SELECT count(*) FROM (SELECT customer_id, milestone, reached_at FROM ot_cron_queue
                              EXCEPT SELECT customer_id, milestone, reached_at FROM ot_queue) x) AS not_queued_by_hand;
DROP TABLE ot_cron_queue;
DROP FUNCTION ot_hold(bigint);
\else
\echo 'skipped: the scheduled runs need pg_cron in shared_preload_libraries with cron.database_name = postgres'
\endif

DROP VIEW ot_candidates;
DROP TABLE ot_t0, ot_events, ot_queue, ot_no_key;
DROP ROLE regress_journey_sender;

-- timeline: keeping a customer_journeys table fresh under real pg_cron
-- (the README's recipe, verbatim): each run merges the events that arrived
-- since the last run, by ingestion id, and moves the watermark in the same
-- transaction.

SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

CREATE TABLE tr_events (
    id          bigserial PRIMARY KEY,      -- ingestion order (sequence CACHE 1)
    customer_id int NOT NULL,
    ts          timestamptz NOT NULL,       -- event time: may be old
    label       text NOT NULL,
    amount      numeric
);
CREATE TABLE customer_journeys (customer_id int PRIMARY KEY, j journey NOT NULL);
-- every event with id <= done_through is in customer_journeys
CREATE TABLE customer_journeys_watermark (done_through bigint NOT NULL);
INSERT INTO customer_journeys_watermark VALUES (0);
-- (time, last id handed out then): once every transaction open at that
-- time has ended, no event with a lower id can still appear
CREATE TABLE customer_journeys_marks (marked_at timestamptz NOT NULL, last_id bigint NOT NULL);

CREATE FUNCTION customer_journeys_refresh() RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    done bigint;
    horizon bigint;
    oldest timestamptz;
    merged bigint := 0;
BEGIN
    -- one run at a time: an overlapping run waits here, then sees the
    -- watermark and the journeys this one committed
    SELECT w.done_through INTO done FROM public.customer_journeys_watermark w FOR UPDATE;
    -- the last id handed out, then the time: a transaction holding an id
    -- up to it started before that time
    INSERT INTO public.customer_journeys_marks
    SELECT clock_timestamp(), coalesce(pg_sequence_last_value('public.tr_events_id_seq'::regclass), 0);
    -- the oldest transaction still open in this database (a session we may
    -- not see, or a prepared transaction, counts as open since forever)
    PERFORM pg_stat_clear_snapshot();
    SELECT min(CASE WHEN a.state IS NULL THEN '-infinity'::timestamptz ELSE a.xact_start END) INTO oldest
    FROM pg_stat_activity a
    WHERE a.datid OPERATOR(pg_catalog.=) (SELECT d.oid FROM pg_database d WHERE d.datname OPERATOR(pg_catalog.=) current_database())
      AND a.pid OPERATOR(pg_catalog.<>) pg_backend_pid()
      AND a.backend_type OPERATOR(pg_catalog.<>) 'autovacuum worker'
      AND (a.xact_start IS NOT NULL OR a.state IS NULL);
    IF EXISTS (SELECT FROM pg_prepared_xacts p WHERE p.database OPERATOR(pg_catalog.=) current_database()) THEN
        oldest := '-infinity';
    END IF;
    -- every id up to the newest mark older than all open transactions is
    -- settled: committed (and visible now) or never to appear
    SELECT max(m.last_id) INTO horizon FROM public.customer_journeys_marks m
    WHERE m.marked_at OPERATOR(pg_catalog.<) coalesce(oldest, 'infinity');
    IF horizon OPERATOR(pg_catalog.>) done THEN
        INSERT INTO public.customer_journeys AS c (customer_id, j)
        SELECT e.customer_id, public.journey_agg(e.ts, e.label, e.amount)
        FROM public.tr_events e
        WHERE e.id OPERATOR(pg_catalog.>) done AND e.id OPERATOR(pg_catalog.<=) horizon
        GROUP BY e.customer_id
        ON CONFLICT (customer_id) DO UPDATE SET j = public.journey_merge(c.j, EXCLUDED.j);
        SELECT count(*) INTO merged FROM public.tr_events e
        WHERE e.id OPERATOR(pg_catalog.>) done AND e.id OPERATOR(pg_catalog.<=) horizon;
        UPDATE public.customer_journeys_watermark SET done_through = horizon;
    END IF;
    -- marks at or below the watermark are of no further use
    DELETE FROM public.customer_journeys_marks m
    WHERE m.last_id OPERATOR(pg_catalog.<=) greatest(done, horizon)
      AND m.marked_at OPERATOR(pg_catalog.<) coalesce(oldest, 'infinity');
    RETURN merged;
END $$;

-- customer_journeys equals a full rebuild from the events
CREATE VIEW tr_differences AS
SELECT count(*) AS customers_differing FROM (
  (SELECT customer_id, j::text FROM customer_journeys
   EXCEPT SELECT customer_id, journey_agg(ts, label, amount)::text FROM tr_events GROUP BY 1)
  UNION ALL
  (SELECT customer_id, journey_agg(ts, label, amount)::text FROM tr_events GROUP BY 1
   EXCEPT SELECT customer_id, j::text FROM customer_journeys)) d;

INSERT INTO tr_events (customer_id, ts, label, amount)
SELECT 1 + g % 20, timestamptz '2026-01-01' + g * interval '37 minutes',
       (ARRAY['view', 'signup', 'purchase'])[1 + g % 3], CASE WHEN g % 3 = 2 THEN g / 10.0 END
FROM generate_series(1, 200) g;

-- the first run takes everything committed; a rerun adds nothing
SELECT customer_journeys_refresh() AS merged;
SELECT customer_journeys_refresh() AS merged_again;
SELECT done_through FROM customer_journeys_watermark;
SELECT * FROM tr_differences;

-- a run killed by statement_timeout rolls back: nothing is lost, the
-- next run takes the events
INSERT INTO tr_events (customer_id, ts, label)
SELECT 21, timestamptz '2026-03-01' + g * interval '1 hour', 'view' FROM generate_series(1, 10) g;
SET statement_timeout = '300ms';
SELECT customer_journeys_refresh(), pg_sleep(2);
RESET statement_timeout;
SELECT done_through FROM customer_journeys_watermark;
SELECT count(*) AS customers FROM customer_journeys;
SELECT customer_journeys_refresh() AS merged;
SELECT * FROM tr_differences;

-- a late event (an old ts arriving now) is taken
INSERT INTO tr_events (customer_id, ts, label) VALUES (1, '2020-01-01 00:00:00+00', 'signup');
SELECT customer_journeys_refresh() AS merged;
SELECT first_at(j) FROM customer_journeys WHERE customer_id = 1;
SELECT * FROM tr_differences;

-- The scheduled part needs pg_cron in shared_preload_libraries with
-- cron.database_name = postgres; without it, it is skipped with a message
-- (expected/timeline_refresh_1.out).
SELECT EXISTS (SELECT FROM pg_stat_activity WHERE backend_type = 'pg_cron launcher')
       AND current_setting('cron.database_name', true) = 'postgres' AS have_pg_cron \gset
\if :have_pg_cron
-- Under pg_cron, in the same minute: a job inserts an event and keeps its
-- transaction open for 8 s (its id is lower than events committed after
-- it), and two refresh jobs that each hold their transaction for 3 s
-- after refreshing, so they overlap.
SELECT pg_sequence_last_value('tr_events_id_seq') AS before_slow \gset
\c postgres
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_cron;
RESET client_min_messages;
SELECT cron.schedule_in_database(name, '* * * * *', command, 'contrib_regression') > 0 AS scheduled
FROM (VALUES ('journey_timeline_slow_insert',
              $$INSERT INTO tr_events (customer_id, ts, label) VALUES (5, '2026-06-01', 'slow'); SELECT pg_sleep(8)$$),
             ('journey_timeline_refresh_a', $$SELECT customer_journeys_refresh(), pg_sleep(3)$$),
             ('journey_timeline_refresh_b', $$SELECT customer_journeys_refresh(), pg_sleep(3)$$)) v(name, command);
\c contrib_regression
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
-- wait (at most 75 s) until the slow insert has taken its id
DO $$
BEGIN
  FOR i IN 1..750 LOOP
    EXIT WHEN pg_sequence_last_value('tr_events_id_seq') > (SELECT max(id) FROM tr_events);
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
SELECT pg_sequence_last_value('tr_events_id_seq') = :before_slow + 1 AS slow_insert_has_its_id,
       (SELECT count(*) FROM tr_events WHERE label = 'slow') AS slow_visible;
-- events committed after it, with higher ids
INSERT INTO tr_events (customer_id, ts, label)
SELECT 22, timestamptz '2026-07-01' + g * interval '1 day', 'view' FROM generate_series(1, 5) g;
-- a run now stops below the open transaction's id: nothing skipped
SELECT customer_journeys_refresh() >= 0 AS ran;
SELECT done_through < :before_slow + 1 AS stopped_below_open_insert FROM customer_journeys_watermark;
SELECT count(*) AS customer_22_stored_early FROM customer_journeys WHERE customer_id = 22;
-- wait (at most 30 s) until the three jobs have finished
\c postgres
DO $$
BEGIN
  FOR i IN 1..30 LOOP
    EXIT WHEN (SELECT count(DISTINCT d.jobid) FROM cron.job_run_details d JOIN cron.job j USING (jobid)
               WHERE j.jobname LIKE 'journey_timeline_%' AND d.status IN ('succeeded', 'failed')) = 3;
    PERFORM pg_sleep(1);
  END LOOP;
END $$;
SELECT j.jobname, d.status
FROM cron.job j LEFT JOIN cron.job_run_details d USING (jobid)
WHERE j.jobname LIKE 'journey_timeline_%' ORDER BY j.jobname, d.runid;
SELECT max(d.start_time) < min(d.end_time) AS refresh_runs_overlapped
FROM cron.job j JOIN cron.job_run_details d USING (jobid) WHERE j.jobname LIKE 'journey_timeline_refresh_%';
SELECT cron.unschedule(jobname) FROM cron.job WHERE jobname LIKE 'journey_timeline_%' ORDER BY jobname;
\c contrib_regression
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
-- once it has committed, the next runs take the slow event and the ones
-- after it; the table then equals a full rebuild, each event once.  Runs
-- repeat, each in its own transaction, until the watermark reaches the
-- last id (at most 60 s): a transaction still open elsewhere in the
-- database (a job's worker ending) holds the watermark back until it ends.
CREATE PROCEDURE tr_catch_up() LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1..600 LOOP
    PERFORM customer_journeys_refresh();
    COMMIT;
    EXIT WHEN (SELECT done_through FROM customer_journeys_watermark) = (SELECT max(id) FROM tr_events);
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
CALL tr_catch_up();
DROP PROCEDURE tr_catch_up();
SELECT customer_journeys_refresh() AS merged_again;
SELECT done_through = (SELECT max(id) FROM tr_events) AS watermark_at_the_end FROM customer_journeys_watermark;
SELECT * FROM tr_differences;
SELECT (SELECT sum(num_events(j)) FROM customer_journeys) = (SELECT count(*) FROM tr_events) AS each_event_once,
       (SELECT num_events(j, 'slow') FROM customer_journeys WHERE customer_id = 5) AS slow_event_stored;
\else
\echo 'skipped: the scheduled runs need pg_cron in shared_preload_libraries with cron.database_name = postgres'
\endif
-- "as of now", exactly: the stored journeys merged with the rows past
-- the watermark
INSERT INTO tr_events (customer_id, ts, label) VALUES (5, '2026-08-01', 'purchase');
SELECT num_events(journey_merge(s.j, coalesce(f.j, '{}'))) = (SELECT count(*) FROM tr_events WHERE customer_id = 5) AS as_of_now
FROM customer_journeys s
LEFT JOIN (SELECT customer_id, journey_agg(ts, label, amount) AS j FROM tr_events
           WHERE id > (SELECT done_through FROM customer_journeys_watermark) GROUP BY 1) f USING (customer_id)
WHERE s.customer_id = 5;

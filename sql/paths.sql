-- paths: what customers did next.  next_event (the k-th event after or
-- before the first base event), path_agg (a customer's path from its
-- first start event) and the path_tree type its roll-up builds, read by
-- path_edges as Sankey rows; each also over a stored journey
-- (test/paths.sql proves them equal to window-function references).

SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = postgres;

CREATE TABLE pa_events (customer_id int, ts timestamptz, name text);
INSERT INTO pa_events VALUES
  (1, '2026-01-05 10:00', 'signup'),   (1, '2026-01-05 10:20', 'activate'),
  (1, '2026-01-05 10:21', 'use'),      (1, '2026-01-05 10:25', 'use'),
  (1, '2026-01-05 11:00', 'first_report'), (1, '2026-01-09 08:30', 'purchase'),
  (2, '2026-01-07 00:00', 'signup'),   (2, '2026-01-07 00:05', 'activate'),
  (2, '2026-01-07 00:05', 'use'),      (2, '2026-01-07 00:05', 'invite'),
  (2, '2026-01-09 00:00', 'use'),
  (3, '2026-01-08 09:00', 'signup'),   (3, '2026-01-08 09:30', 'activate'),
  (3, '2026-01-20 09:00', 'use'),      (3, '2026-01-20 09:10', 'first_report'),
  (4, '2026-01-10 09:00', 'signup'),
  (5, '2026-01-11 09:00', 'signup'),   (5, '2026-01-11 09:02', 'activate'),
  (5, NULL, 'use'),                    (5, '2026-01-11 09:03', NULL),
  (5, '2026-01-11 09:40', 'settings');
CREATE TABLE pa_journeys AS SELECT customer_id, journey_agg(ts, name) AS j FROM pa_events GROUP BY customer_id;

-- next_event: after / before the first 'activate'; k-th event
SELECT customer_id,
       next_event(ts, name, name = 'activate') AS after_activate,
       next_event(ts, name, name = 'activate', 'backward') AS before_activate,
       next_event(ts, name, name = 'activate', 'forward', 2) AS second_after,
       next_event(ts, name, name = 'activate', 'forward', 3) AS third_after
FROM pa_events GROUP BY customer_id ORDER BY customer_id;
-- the same over the stored journeys
SELECT customer_id,
       next_event(j, 'activate') AS after_activate,
       next_event(j, 'activate', 'backward') AS before_activate,
       next_event(j, 'activate', 'forward', 2) AS second_after,
       next_event(j, 'activate', k => 3) AS third_after
FROM pa_journeys ORDER BY customer_id;
-- ties: events at the same microsecond are in label byte order (customer
-- 2: activate, invite, use at 00:05), whatever the row order or collation
SELECT next_event(ts, name, name = 'activate' ORDER BY name DESC) AS next_after_tie,
       next_event(ts, name, name = 'use', 'backward') AS before_use
FROM pa_events WHERE customer_id = 2;
-- among events equal in time and label, base events come first
SELECT next_event(ts, name, base) FROM (VALUES
  (timestamptz '2026-01-01', 'view', false), ('2026-01-01', 'view', true), ('2026-01-02', 'buy', false)) v(ts, name, base);
-- NULL ts or label: the row is ignored; a NULL base is false; no base: NULL
SELECT next_event(ts, name, base) FROM (VALUES
  (timestamptz '2026-01-01', 'a', NULL::boolean), ('2026-01-02', 'b', true), (NULL, 'c', false),
  ('2026-01-03', NULL, false), ('2026-01-04', 'd', false)) v(ts, name, base);
SELECT next_event(ts, name, name = 'nothing') FROM pa_events;
SELECT next_event(NULL::journey, 'activate'), next_event(j, NULL) FROM pa_journeys WHERE customer_id = 1;
-- parameters
SELECT next_event(ts, name, true, 'sideways') FROM pa_events;
SELECT next_event(ts, name, true, 'forward', 0) FROM pa_events;
SELECT next_event(ts, name, true, NULL) FROM pa_events;
SELECT next_event(ts, name, true, 'forward', NULL) FROM pa_events;
SELECT next_event(j, 'activate', 'BACKWARD', -1) FROM pa_journeys;
SELECT next_event(ts, name, true, CASE WHEN name = 'use' THEN 'backward' ELSE 'forward' END) FROM pa_events;

-- path_agg: the first `steps` labels from the first start event, repeats
-- folded; one path per customer, rolled up into a path_tree
CREATE TABLE pa_paths AS
SELECT customer_id, path_agg(ts, name, name = 'activate', 4) AS p,
       path_agg(ts, name, name = 'activate', 4, '1 day') AS p_session
FROM pa_events GROUP BY customer_id;
SELECT customer_id, num_paths(p), path_steps(p), path_steps(p_session) AS steps_in_session FROM pa_paths ORDER BY 1;
SELECT * FROM path_edges((SELECT rollup(p) FROM pa_paths));
-- a session gap ends a path (customer 3 came back 12 days later)
SELECT * FROM path_edges((SELECT rollup(p_session) FROM pa_paths));
-- top: per step, the labels with the most customers; the others as (other)
SELECT * FROM path_edges((SELECT rollup(p) FROM pa_paths), 1);
-- path_tree(x) is the same aggregate as rollup(x); over stored journeys
SELECT (SELECT path_tree(p) FROM pa_paths)::text = (SELECT rollup(path_agg(j, 'activate', 4)) FROM pa_journeys)::text AS same_tree;
SELECT num_paths(rollup(p)), path_steps(rollup(p)) FROM pa_paths;
SELECT path_agg(NULL::journey, 'activate', 3), path_agg(j, NULL, 3) FROM pa_journeys WHERE customer_id = 1;
-- parameters
SELECT path_agg(ts, name, true, 0) FROM pa_events;
SELECT path_agg(ts, name, true, 11) FROM pa_events;
SELECT path_agg(ts, name, true, NULL) FROM pa_events;
SELECT path_agg(ts, name, true, 3, '-1 second') FROM pa_events;
SELECT path_agg(j, 'activate', 3, NULL) FROM pa_journeys;
SELECT path_agg(ts, repeat('x', 1025), true, 2) FROM pa_events;
SELECT * FROM path_edges((SELECT rollup(p) FROM pa_paths), 0);
SELECT * FROM path_edges((SELECT rollup(p) FROM pa_paths), NULL);
SELECT count(*) FROM path_edges(NULL);
SELECT count(*) FROM path_nodes(NULL, 3);
SELECT * FROM path_nodes((SELECT rollup(p) FROM pa_paths), -1);

-- path_nodes: the labels per step (Sankey nodes), and how many paths end there
SELECT * FROM path_nodes((SELECT rollup(p) FROM pa_paths));
SELECT * FROM path_nodes((SELECT rollup(p) FROM pa_paths), 1) WHERE step = 2;

-- the pattern for paths from a funnel's drop-off: customers who activated
-- but made no first report within 7 days (funnel level 2), their paths
-- from the step they reached; or from the event after it
CREATE TABLE pa_funnel AS
SELECT customer_id, funnel_path(ts, '7 days', name = 'signup', name = 'activate', name = 'first_report') AS f
FROM pa_events GROUP BY customer_id;
CREATE TABLE pa_dropped AS
SELECT e.customer_id,
       path_agg(e.ts, e.name, e.ts = reached_at(f.f, steps(f.f)) AND e.name = 'activate', 3) AS from_drop,
       path_agg(e.ts, e.name, e.ts > reached_at(f.f, steps(f.f)), 3) AS after_drop
FROM pa_events e JOIN pa_funnel f USING (customer_id)
WHERE steps(f.f) = 2
GROUP BY e.customer_id;
SELECT * FROM path_edges((SELECT rollup(from_drop) FROM pa_dropped));
SELECT * FROM path_nodes((SELECT rollup(after_drop) FROM pa_dropped));

-- a step keeps at most 16 labels; the others are folded into (other)
-- with exact totals (which 16: a hash of the label, so the same whatever
-- the order and split of the rows)
CREATE TABLE pa_many AS
SELECT c, path_agg(ts, name, name = 'start', 2) AS p
FROM (SELECT c, timestamptz '2026-01-01' + s * interval '1 hour' AS ts,
             CASE WHEN s = 0 THEN 'start' ELSE 'page_' || (c % 40) END AS name
      FROM generate_series(1, 400) c, generate_series(0, 1) s) x
GROUP BY c;
SELECT count(*) AS rows_shown, count(*) FILTER (WHERE to_label = '(other)') AS other_rows,
       sum(customers) AS customers, max(customers) FILTER (WHERE to_label = '(other)') AS in_other
FROM path_edges((SELECT rollup(p) FROM pa_many), 100);
SELECT (SELECT rollup(p) FROM pa_many)::text = (SELECT rollup(t) FROM (SELECT rollup(p) AS t FROM pa_many GROUP BY c % 3) s)::text AS parts_equal;
-- many groups (hash and sorted aggregation), and a running roll-up (window)
SELECT c % 4 AS part, num_paths(rollup(p)), path_steps(rollup(p)) FROM pa_many GROUP BY 1 ORDER BY 1;
SET enable_hashagg = off;
SELECT c % 4 AS part, num_paths(rollup(p)) FROM pa_many GROUP BY 1 ORDER BY 1;
RESET enable_hashagg;
SELECT c, num_paths(rollup(p) OVER (ORDER BY c)) AS running FROM pa_many WHERE c <= 3 ORDER BY c;
-- timestamp (without time zone) overloads: the values taken as UTC
SELECT next_event(ts::timestamp, name, name = 'activate'), path_steps(path_agg(ts::timestamp, name, name = 'activate', 4))
FROM pa_events WHERE customer_id = 1;

-- text form: the binary form in hex (version 1); both round-trip
SELECT p::text FROM pa_paths WHERE customer_id = 5;
SELECT count(*) FILTER (WHERE p::text::path_tree::text = p::text) AS text_round_trips, count(*) FROM pa_paths WHERE p IS NOT NULL;
CREATE TABLE pa_copy (p path_tree);
INSERT INTO pa_copy SELECT rollup(p) FROM pa_many;
COPY pa_copy TO '/tmp/journey_pa_copy.bin' WITH (FORMAT binary);
COPY pa_copy FROM '/tmp/journey_pa_copy.bin' WITH (FORMAT binary);
SELECT count(DISTINCT p::text) AS distinct_values, count(*) AS binary_round_trips FROM pa_copy;

-- hostile input (mutations of a valid value; test/fuzz_inputs.sql has thousands)
CREATE TABLE pa_bad (what text, v text);
INSERT INTO pa_bad
SELECT w, encode(b, 'hex') FROM (SELECT decode(p::text, 'hex') AS v FROM pa_paths WHERE customer_id = 5) s,
LATERAL (VALUES
  ('version 2', set_byte(v, 0, 2)),
  ('reserved bits', set_byte(v, 1, 1)),
  ('11 steps', set_byte(v, 2, 11)),
  ('truncated', substr(v, 1, length(v) - 1)),
  ('bytes left over', v || '\x00'::bytea),
  ('17 labels', set_byte(v, 4, 17)),
  ('label length past the end', set_byte(v, 5, 127)),
  ('a NUL in a label', set_byte(v, 9, 0)),
  ('invalid UTF-8 in a label', set_byte(v, 9, 255)),
  ('zero customers', set_byte(v, 24, 0)),
  ('(other) without 16 labels', set_byte(v, 32, 1)),
  ('edge out of range', set_byte(v, length(v) - 18, 5)),
  ('transition count mismatch', set_byte(v, length(v) - 9, 2)),
  ('negative gap', set_byte(v, length(v) - 8, 128))) m(w, b);
SELECT what, v::path_tree FROM pa_bad WHERE what = 'version 2';
DO $$
DECLARE r record; d text;
BEGIN
  FOR r IN SELECT * FROM pa_bad ORDER BY what LOOP
    BEGIN
      PERFORM r.v::path_tree;
      RAISE NOTICE '%: accepted', r.what;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
      RAISE NOTICE '%: % % (%)', r.what, SQLSTATE, SQLERRM, d;
    END;
  END LOOP;
END $$;
SELECT ''::path_tree;
SELECT 'abc'::path_tree;
SELECT 'zz'::path_tree;

-- parallel: the roll-up runs as partial aggregates merged in the leader
CREATE TABLE pa_par AS SELECT c, p FROM pa_many, generate_series(1, 20) r;
ANALYZE pa_par;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
\i test/force_parallel_on.psql
EXPLAIN (COSTS OFF) SELECT rollup(p) FROM pa_par;
SELECT sum(customers) FROM path_edges((SELECT rollup(p) FROM pa_par));
\i test/force_parallel_off.psql
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

DROP TABLE pa_events, pa_journeys, pa_paths, pa_funnel, pa_dropped, pa_many, pa_copy, pa_bad, pa_par;

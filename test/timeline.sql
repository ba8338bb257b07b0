-- Properties of the journey type on thousands of random small event sets:
-- journey_agg holds exactly the rows (journey_events gives them back in
-- the documented order), the value does not depend on the input order,
-- journey_merge / rollup of random splits in any order equal the whole,
-- text and binary round trips are exact, and the readers equal plain SQL
-- aggregates over the rows.
BEGIN;
SELECT plan(16);
SELECT setseed(0.1010);

-- 3000 customers with 0 to 12 events each: many equal timestamps, odd
-- labels, amounts missing, small, huge, tiny or negative; a few events at
-- the ends of the timestamp range
CREATE TEMP TABLE ev AS
SELECT c AS customer_id, e AS seq,
       CASE WHEN random() < 0.01 THEN timestamptz '4714-11-24 00:00:00+00 BC' + (random() * 10)::int * interval '1 day'
            WHEN random() < 0.01 THEN timestamptz '294276-12-01 00:00:00+00' + (random() * 1e6)::int * interval '1 second'
            ELSE timestamptz '2026-01-01' + (random() * 40)::int * interval '1 hour'
                 + CASE WHEN random() < 0.2 THEN (random() * 1000)::int * interval '1 microsecond' ELSE interval '0' END
       END AS ts,
       (ARRAY['signup', 'view', 'purchase', 'a b', '', 'été', 'q"uote', 'back\slash', 'Z', 'view:pro'])[1 + (random() * 9)::int] AS label,
       CASE WHEN r < 0.4 THEN NULL
            WHEN r < 0.7 THEN round((random() * 200 - 50)::numeric, (random() * 3)::int)
            WHEN r < 0.8 THEN (random() * 10)::int::numeric
            WHEN r < 0.9 THEN round(random()::numeric, 25)
            ELSE (random() * 1e25)::numeric * 1000
       END AS amount
FROM (SELECT c, e, random() AS r FROM generate_series(1, 3000) c,
      LATERAL generate_series(1, (random() * 12)::int + 0 * c) e) g;

CREATE TEMP TABLE j AS
SELECT customer_id, journey_agg(ts, label, amount) AS j FROM ev GROUP BY 1;

SELECT cmp_ok((SELECT count(*) FROM ev), '>', 10000::bigint, 'thousands of random events');

-- 1. journey_events gives back exactly the rows
SELECT is((SELECT count(*) FROM (
    (SELECT customer_id, ts, label, amount FROM ev
     EXCEPT ALL SELECT customer_id, e.* FROM j, journey_events(j.j) e)
    UNION ALL
    (SELECT customer_id, e.* FROM j, journey_events(j.j) e
     EXCEPT ALL SELECT customer_id, ts, label, amount FROM ev)) d), 0::bigint,
  'journey_events(journey_agg(rows)) is the rows, duplicates kept');

-- 2. in time order, ties by label bytes then amount (none first)
SELECT is((SELECT count(*) FROM (
    SELECT customer_id, ts, label, amount,
           lag(ts) OVER w AS pts, lag(label) OVER w AS plabel, lag(amount) OVER w AS pamount,
           row_number() OVER w AS n
    FROM (SELECT customer_id, e.*, row_number() OVER () AS pos FROM j, journey_events(j.j) e) x
    WINDOW w AS (PARTITION BY customer_id ORDER BY pos)) y
  WHERE n > 1 AND (ts < pts OR (ts = pts AND label COLLATE "C" < plabel COLLATE "C")
                   OR (ts = pts AND label = plabel AND ((amount IS NULL AND pamount IS NOT NULL) OR amount < pamount)))),
  0::bigint, 'events are sorted by time, label bytes, amount');

-- 3. the value does not depend on the input order
SELECT is((SELECT count(*) FROM (
    SELECT customer_id, journey_agg(ts, label, amount ORDER BY random()) AS a,
           journey_agg(ts, label, amount ORDER BY random()) AS b
    FROM ev GROUP BY 1) x WHERE a::text <> b::text), 0::bigint,
  'journey_agg gives the same value whatever the input order');

-- 4. merge of a random split, either way round, equals the whole
CREATE TEMP TABLE split AS SELECT *, (random() * 3)::int AS part FROM ev;
SELECT is((SELECT count(*) FROM (
    SELECT customer_id,
           coalesce(journey_agg(ts, label, amount) FILTER (WHERE part < 2), '{}') AS a,
           coalesce(journey_agg(ts, label, amount) FILTER (WHERE part >= 2), '{}') AS b
    FROM split GROUP BY 1) s JOIN j USING (customer_id)
  WHERE journey_merge(a, b)::text <> j.j::text OR journey_merge(b, a)::text <> j.j::text), 0::bigint,
  'journey_merge of a random split, in either order, equals the whole');

-- 5. rollup of random parts in random order equals the whole
SELECT is((SELECT count(*) FROM (
    SELECT customer_id, rollup(p ORDER BY random()) AS r
    FROM (SELECT customer_id, part, journey_agg(ts, label, amount) AS p FROM split GROUP BY 1, 2) parts
    GROUP BY 1) x JOIN j USING (customer_id) WHERE r::text <> j.j::text), 0::bigint,
  'rollup of random parts in random order equals the whole');

-- 6. text round trip
SELECT is((SELECT count(*) FROM j WHERE j::text::journey::text <> j::text), 0::bigint,
  'text output parses back to the same value');

-- 7. binary round trip through COPY BINARY, and the same bytes on disk
DO $$
DECLARE path text := current_setting('data_directory') || '/journey_tap_timeline.bin';
BEGIN
  EXECUTE format('COPY j TO %L WITH (FORMAT binary)', path);
  CREATE TEMP TABLE j_back (LIKE j);
  EXECUTE format('COPY j_back FROM %L WITH (FORMAT binary)', path);
END $$;
SELECT is((SELECT count(*) FROM j JOIN j_back b USING (customer_id)
           WHERE j.j::text = b.j::text AND pg_column_size(j.j) = pg_column_size(b.j)),
          (SELECT count(*) FROM j), 'binary send/recv round-trips every value');

-- 8. whole-journey readers equal count / min / max
SELECT is((SELECT count(*) FROM (
    SELECT customer_id, count(*), min(ts), max(ts), array_agg(DISTINCT label COLLATE "C" ORDER BY label COLLATE "C")::text[] FROM ev GROUP BY 1
    EXCEPT SELECT customer_id, num_events(j), first_at(j), last_at(j), journey_labels(j) FROM j) d), 0::bigint,
  'num_events, first_at, last_at, journey_labels equal plain aggregates');

-- 9. per-label readers equal plain aggregates
SELECT is((SELECT count(*) FROM (
    SELECT customer_id, label, count(*), min(ts), max(ts), sum(amount) FROM ev GROUP BY 1, 2
    EXCEPT SELECT customer_id, l, num_events(j, l), first_at(j, l), last_at(j, l), total_amount(j, l)
           FROM j, unnest(journey_labels(j)) l) d), 0::bigint,
  'num_events, first_at, last_at, total_amount per label equal plain aggregates');

-- 10. absent labels
SELECT is((SELECT count(*) FROM j
           WHERE num_events(j, 'absent') <> 0 OR first_at(j, 'absent') IS NOT NULL
              OR last_at(j, 'absent') IS NOT NULL OR total_amount(j, 'absent') IS NOT NULL), 0::bigint,
  'a label the journey does not have gives 0 and NULLs');

-- 11. the timestamp overloads equal the timestamptz ones under UTC
SET LOCAL timezone = 'UTC';
SELECT is((SELECT count(*) FROM (
    SELECT customer_id, journey_agg(ts::timestamp, label, amount)::text AS a FROM ev GROUP BY 1) x
    JOIN j USING (customer_id) WHERE a <> j.j::text), 0::bigint,
  'journey_agg(timestamp, ...) takes timestamps as UTC');

-- 12. journey_agg keeps its labels in one dictionary per call (every
-- group's events hold its ids): as a window aggregate it is finished
-- after every row and must go on from there; each running value equals
-- the aggregate of the rows so far
CREATE TEMP TABLE ev_w AS SELECT * FROM ev WHERE customer_id <= 400;
SELECT is((SELECT count(*) FROM (
    SELECT customer_id, seq, journey_agg(ts, label, amount) OVER (PARTITION BY customer_id ORDER BY seq) AS running
    FROM ev_w) w
  WHERE running::text IS DISTINCT FROM (
    SELECT journey_agg(ts, label, amount)::text FROM ev_w e
    WHERE e.customer_id = w.customer_id AND e.seq <= w.seq)), 0::bigint,
  'journey_agg as a window aggregate: every running value equals the aggregate so far');

-- 13. thousands of distinct labels in one call (each group a few of
-- them): the same values as rollup of one-event journeys, which builds
-- every group with a dictionary of its own
CREATE TEMP TABLE many AS
SELECT c AS customer_id, timestamptz '2026-01-01' + (random() * 1000)::int * interval '1 minute' AS ts,
       'label ' || (random() * 5000)::int || repeat('x', (random() * 20)::int) AS label
FROM generate_series(1, 2000) c, generate_series(1, 6) e;
SELECT is((SELECT count(*) FROM (
    SELECT customer_id, journey_agg(ts, label)::text AS a FROM many GROUP BY 1) x
  JOIN (SELECT customer_id, rollup(j)::text AS b
        FROM (SELECT customer_id, journey_agg(ts, label) AS j FROM many GROUP BY customer_id, ctid) p GROUP BY 1) y
  USING (customer_id) WHERE a <> b), 0::bigint,
  'journey_agg with thousands of distinct labels equals rollup of one-event journeys');
SELECT is((SELECT count(*) FROM (
    (SELECT customer_id, ts, label FROM many
     EXCEPT ALL SELECT customer_id, e.ts, e.label FROM (SELECT customer_id, journey_agg(ts, label) AS j FROM many GROUP BY 1) x, journey_events(j) e)
    UNION ALL
    (SELECT customer_id, e.ts, e.label FROM (SELECT customer_id, journey_agg(ts, label) AS j FROM many GROUP BY 1) x, journey_events(j) e
     EXCEPT ALL SELECT customer_id, ts, label FROM many)) d), 0::bigint,
  'journey_agg with thousands of distinct labels holds exactly the rows');

-- numeric has infinities from PostgreSQL 14 on; a journey refuses them
SELECT throws_ok($$SELECT journey_agg(now(), 'a', 'Infinity'::numeric)$$, '22023',
  'journey amounts must be finite numbers', 'an infinite amount is refused');

SELECT * FROM finish();
ROLLBACK;

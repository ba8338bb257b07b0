-- sequence_match, sequence_count and funnel_count: contracts and
-- properties.
--
--  * ClickHouse agreement: test/fixtures/sequence_clickhouse.csv holds
--    the cases (history, pattern, sequenceMatch, sequenceCount) on which
--    ClickHouse 18.16 and journey agreed when test/sequence_clickhouse.sh
--    last ran them; every one must still hold (no ClickHouse needed).
--  * The stored-journey forms equal the row aggregates on random data.
--  * Pathological patterns stay polynomial and can be cancelled.
--  * funnel_count equals two PL/pgSQL references on random data: an
--    independent windowFunnel walk (default mode, distinct timestamps),
--    and, for every mode and with ties, the definition itself (the
--    shortest prefix of the remaining events on which funnel_step
--    reaches the last step, again and again).
BEGIN;
SELECT plan(23);
SET LOCAL timezone = 'UTC';

-- ------------------------------------------------------------ ClickHouse
CREATE TEMP TABLE ch_cases (history text, pattern text, match int, count bigint);
\copy ch_cases FROM 'test/fixtures/sequence_clickhouse.csv' WITH (FORMAT csv, HEADER true)
ALTER TABLE ch_cases ADD COLUMN id serial;
SELECT cmp_ok((SELECT count(*) FROM ch_cases), '>=', 10000::bigint, 'at least 10,000 ClickHouse cases');
-- the rows of each case: its events, plus a row meeting no condition (so
-- a case without events still has a group, as in ClickHouse)
CREATE TEMP TABLE ch_rows AS
SELECT c.id, split_part(ev, ':', 1)::int AS ts, split_part(ev, ':', 2)::int AS mask
FROM ch_cases c, LATERAL unnest(string_to_array(nullif(c.history, ''), ';')) ev
UNION ALL SELECT id, 0, 0 FROM ch_cases;
CREATE TEMP TABLE ch_ours AS
SELECT c.id, c.match, c.count,
       sequence_match(to_timestamp(r.ts), c.pattern, r.mask & 1 <> 0, r.mask & 2 <> 0, r.mask & 4 <> 0)::int AS m,
       sequence_count(to_timestamp(r.ts), c.pattern, r.mask & 1 <> 0, r.mask & 2 <> 0, r.mask & 4 <> 0) AS n
FROM ch_cases c JOIN ch_rows r USING (id)
GROUP BY c.id, c.match, c.count;
SELECT is((SELECT count(*) FROM ch_ours WHERE m <> match), 0::bigint, 'sequence_match = ClickHouse sequenceMatch on every case');
SELECT is((SELECT count(*) FROM ch_ours WHERE n <> count), 0::bigint, 'sequence_count = ClickHouse sequenceCount on every case');
SELECT cmp_ok((SELECT count(*) FROM ch_cases WHERE count >= 3), '>', 500::bigint, 'many cases count 3 or more matches');

-- timestamp (without time zone) gives the same answers
SELECT is((SELECT count(*) FROM (
    SELECT c.id, sequence_count(to_timestamp(r.ts)::timestamp, c.pattern, r.mask & 1 <> 0, r.mask & 2 <> 0, r.mask & 4 <> 0) AS n
    FROM ch_cases c JOIN ch_rows r USING (id) WHERE c.id % 10 = 0 GROUP BY c.id) t
  JOIN ch_cases c USING (id) WHERE t.n <> c.count), 0::bigint, 'the timestamp overload answers the same');

-- microsecond timestamps: time conditions in seconds compare exactly
SELECT is(sequence_match(ts, '(?1)(?t<=3600)(?2)', k = 1, k = 2), true, '(?t<=3600): exactly one hour apart')
FROM (VALUES (timestamptz '2026-01-01 00:00:00', 1), ('2026-01-01 01:00:00', 2)) v(ts, k);
SELECT is(sequence_match(ts, '(?1)(?t<=3600)(?2)', k = 1, k = 2), false, '(?t<=3600): one microsecond over')
FROM (VALUES (timestamptz '2026-01-01 00:00:00', 1), ('2026-01-01 01:00:00.000001', 2)) v(ts, k);
SELECT is(sequence_match(ts, '(?1)(?t==3600)(?2)', k = 1, k = 2), true, '(?t==3600) holds at exactly 3600 s')
FROM (VALUES (timestamptz '2026-01-01 00:00:00', 1), ('2026-01-01 00:30:00', 2), ('2026-01-01 01:00:00', 2)) v(ts, k);

-- ------------------------------------------------------------ journeys
SELECT setseed(0.14);
CREATE TEMP TABLE pats AS SELECT row_number() OVER () AS pid, pattern FROM (SELECT DISTINCT pattern FROM ch_cases ORDER BY 1 LIMIT 120) p;
CREATE TEMP TABLE jsets AS
SELECT g, ARRAY[(ARRAY['a','b','c','d'])[1 + floor(random() * 4)::int],
                (ARRAY['a','b','c','d'])[1 + floor(random() * 4)::int],
                (ARRAY['a','b','c','d'])[1 + floor(random() * 4)::int]] AS conds,
       1 + floor(random() * 120)::int AS pid
FROM generate_series(1, 3000) g;
CREATE TEMP TABLE jrows AS
SELECT s.g, timestamptz '2026-01-01' + floor(random() * 30) * interval '1 second' + floor(random() * 3) * interval '1 microsecond' AS ts,
       (ARRAY['a','b','c','d','e'])[1 + floor(random() * 5)::int] AS label
FROM jsets s, LATERAL generate_series(1, floor(random() * 12)::int + (s.g * 0)) r;
CREATE TEMP TABLE jcmp AS
SELECT s.g, p.pattern, s.conds,
       (SELECT journey_agg(r.ts, r.label) FROM jrows r WHERE r.g = s.g) AS j,
       (SELECT sequence_match(r.ts, p.pattern, r.label = s.conds[1], r.label = s.conds[2], r.label = s.conds[3]) FROM jrows r WHERE r.g = s.g) AS rm,
       (SELECT sequence_count(r.ts, p.pattern, r.label = s.conds[1], r.label = s.conds[2], r.label = s.conds[3]) FROM jrows r WHERE r.g = s.g) AS rc
FROM jsets s JOIN pats p USING (pid);
-- a set without rows: the aggregates answer false / 0, the journey is NULL
SELECT is((SELECT count(*) FROM jcmp WHERE j IS NOT NULL AND sequence_match(j, pattern, VARIADIC conds) IS DISTINCT FROM rm),
          0::bigint, 'sequence_match(journey) = the row aggregate');
SELECT is((SELECT count(*) FROM jcmp WHERE j IS NOT NULL AND sequence_count(j, pattern, VARIADIC conds) IS DISTINCT FROM rc),
          0::bigint, 'sequence_count(journey) = the row aggregate');
SELECT cmp_ok((SELECT count(*) FROM jcmp WHERE rc >= 2), '>', 50::bigint, 'many journeys match twice or more');
SELECT is(sequence_match(NULL::journey, '.*', 'a'), true, 'a NULL journey is a customer without events: .* matches');
SELECT is(sequence_count(NULL::journey, '(?1)', 'a'), 0::bigint, 'a NULL journey: no (?1)');

-- ------------------------------------------------------------ errors
SELECT throws_ok($$SELECT sequence_match(now(), '(?1)(?t>1', true)$$, '2201B',
                 'invalid sequence pattern "(?1)(?t>1" at position 10', 'a malformed pattern names the position');
SELECT throws_ok($$SELECT sequence_count(now(), '(?2)', true)$$, '2201B',
                 'invalid sequence pattern "(?2)" at position 3', 'a condition out of range is a pattern error');
SELECT throws_ok($$SELECT sequence_match(now(), NULL, true)$$, '22004', 'sequence pattern must not be null', 'a NULL pattern is an error');
SELECT throws_ok($$SELECT sequence_match(ts, p, true) FROM (VALUES (now(), '(?1)'), (now(), '.*(?1)')) v(ts, p)$$, '22023',
                 'sequence pattern must be the same for all rows of a group', 'the pattern is one per group');

-- ------------------------------------------------------------ cost
-- 300 ".*(?1)" items over 20,000 events: a backtracking search (what
-- ClickHouse does, with its cut-off at 10^6 steps) would not end; here
-- m * n table cells, about 6 million
SET LOCAL statement_timeout = '20s';
SELECT is(sequence_count(ts, repeat('.*(?1)', 300) || '.*(?2)', i % 3 = 0, i = 20000), 1::bigint,
          'a pattern of 600 items over 20,000 events answers')
FROM (SELECT i, timestamptz '2026-01-01' + i * interval '1 second' AS ts FROM generate_series(1, 20000) i) s;
-- (throws_ok cannot catch a cancel: WHEN OTHERS does not take it)
CREATE FUNCTION pg_temp.cancelled(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'finished';
EXCEPTION WHEN query_canceled THEN
    RETURN 'cancelled';
END $$;
SET LOCAL statement_timeout = '1s';
SELECT is(pg_temp.cancelled($$SELECT sequence_match(ts, repeat('.*(?1)(?t>=0)', 20000), i % 2 = 0)
                   FROM (SELECT i, timestamptz '2026-01-01' + i * interval '1 second' AS ts FROM generate_series(1, 200000) i) s$$),
          'cancelled', 'a huge match is cancelled by statement_timeout');
RESET statement_timeout;

-- ------------------------------------------------------------ funnel_count
-- an independent walk (default mode): per step the latest start of a
-- chain reaching it; a completion counts and starts over with the rows after
CREATE FUNCTION pg_temp.fc_walk(ts timestamptz[], masks int[], win interval, nsteps int) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    st timestamptz[];
    n bigint := 0;
    i int;
    k int;
BEGIN
    st := array_fill(NULL::timestamptz, ARRAY[nsteps]);
    FOR i IN 1 .. coalesce(array_length(ts, 1), 0) LOOP
        FOR k IN 1 .. nsteps LOOP
            IF masks[i] & (1 << (k - 1)) <> 0 THEN
                IF k = 1 THEN
                    st[1] := ts[i];
                ELSIF st[k - 1] IS NOT NULL AND ts[i] <= st[k - 1] + win THEN
                    st[k] := st[k - 1];
                END IF;
            END IF;
        END LOOP;
        IF st[nsteps] IS NOT NULL THEN
            n := n + 1;
            st := array_fill(NULL::timestamptz, ARRAY[nsteps]);
        END IF;
    END LOOP;
    RETURN n;
END $$;
-- the definition: the shortest prefix of the rows left on which funnel_step
-- reaches the last step, repeated
CREATE FUNCTION pg_temp.fc_prefix(ts timestamptz[], masks int[], win interval, mode text, nsteps int) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    n bigint := 0;
    p int := 0;
    q int;
    total int := coalesce(array_length(ts, 1), 0);
    lvl int;
    done boolean;
BEGIN
    LOOP
        done := true;
        FOR q IN p + 1 .. total LOOP
            SELECT funnel_step(t, win, mode, VARIADIC (ARRAY[m & 1 <> 0, m & 2 <> 0, m & 4 <> 0])[1:nsteps]) INTO lvl
            FROM unnest(ts[p + 1:q], masks[p + 1:q]) u(t, m);
            IF lvl = nsteps THEN
                n := n + 1;
                p := q;
                done := false;
                EXIT;
            END IF;
        END LOOP;
        EXIT WHEN done;
    END LOOP;
    RETURN n;
END $$;
SELECT setseed(0.4);
CREATE TEMP TABLE fsets AS
SELECT g, 2 + floor(random() * 2)::int AS nsteps,
       (ARRAY[interval '5 minutes', '20 minutes', '1 hour'])[1 + floor(random() * 3)::int] AS win
FROM generate_series(1, 1500) g;
-- distinct timestamps (a microsecond apart at least) for the walk
CREATE TEMP TABLE frows AS
SELECT s.g, timestamptz '2026-01-01' + (r * 600 + floor(random() * 600)) * interval '1 second' + r * interval '1 microsecond' AS ts,
       (CASE WHEN random() < 0.45 THEN 1 ELSE 0 END) | (CASE WHEN random() < 0.45 THEN 2 ELSE 0 END)
       | (CASE WHEN random() < 0.4 THEN 4 ELSE 0 END) AS mask
FROM fsets s, LATERAL generate_series(1, floor(random() * 16)::int + (s.g * 0)) r;
CREATE TEMP TABLE fcmp AS
SELECT s.g, s.nsteps, s.win,
       (SELECT funnel_count(r.ts, s.win, VARIADIC (ARRAY[r.mask & 1 <> 0, r.mask & 2 <> 0, r.mask & 4 <> 0])[1:s.nsteps]) FROM frows r WHERE r.g = s.g) AS ours,
       (SELECT pg_temp.fc_walk(array_agg(r.ts ORDER BY r.ts, r.mask), array_agg(r.mask & ((1 << s.nsteps) - 1) ORDER BY r.ts, r.mask), s.win, s.nsteps)
        FROM frows r WHERE r.g = s.g) AS ref
FROM fsets s;
SELECT is((SELECT count(*) FROM fcmp WHERE ours <> ref), 0::bigint, 'funnel_count = the PL/pgSQL walk (default mode, 1500 customers)');
SELECT cmp_ok((SELECT count(*) FROM fcmp WHERE ours >= 2), '>', 200::bigint, 'many customers convert twice or more');
-- every mode, ties (whole minutes), against the definition
CREATE TEMP TABLE fmodes AS
SELECT array_to_string(ARRAY(SELECT o FROM unnest(ARRAY['strict_deduplication','strict_order','strict_increase','strict_once','allow_reentry']) WITH ORDINALITY AS x(o, i)
                             WHERE (b >> (i::int - 1)) & 1 = 1 ORDER BY i), ',') AS mode
FROM generate_series(0, 31) b
WHERE NOT ((b & 16) <> 0 AND (b & 2) = 0);
CREATE TEMP TABLE trows AS
SELECT s.g, timestamptz '2026-01-01' + floor(random() * 40) * interval '1 minute' AS ts,
       (CASE WHEN random() < 0.4 THEN 1 ELSE 0 END) | (CASE WHEN random() < 0.4 THEN 2 ELSE 0 END)
       | (CASE WHEN random() < 0.35 THEN 4 ELSE 0 END) AS mask
FROM fsets s, LATERAL generate_series(1, floor(random() * 10)::int + (s.g * 0)) r
WHERE s.g <= 100;
CREATE TEMP TABLE tcmp AS
SELECT s.g, m.mode,
       (SELECT funnel_count(r.ts, s.win, m.mode, VARIADIC (ARRAY[r.mask & 1 <> 0, r.mask & 2 <> 0, r.mask & 4 <> 0])[1:s.nsteps]) FROM trows r WHERE r.g = s.g) AS ours,
       (SELECT pg_temp.fc_prefix(array_agg(r.ts ORDER BY r.ts, r.mask & ((1 << s.nsteps) - 1)), array_agg(r.mask & ((1 << s.nsteps) - 1) ORDER BY r.ts, r.mask & ((1 << s.nsteps) - 1)), s.win, m.mode, s.nsteps)
        FROM trows r WHERE r.g = s.g) AS ref
FROM fsets s CROSS JOIN fmodes m WHERE s.g <= 100;
SELECT is((SELECT count(*) FROM tcmp WHERE ours <> ref), 0::bigint, 'funnel_count = the definition for all 24 modes, with ties');
-- the journey form: label k is step k
CREATE TEMP TABLE fj AS
SELECT s.g, s.win, s.nsteps,
       (SELECT journey_agg(r.ts, 's' || (CASE WHEN r.mask & 1 <> 0 THEN 1 WHEN r.mask & 2 <> 0 THEN 2 WHEN r.mask & 4 <> 0 THEN 3 ELSE 0 END)) FROM trows r WHERE r.g = s.g) AS j,
       (SELECT funnel_count(r.ts, s.win, 'strict_order', VARIADIC (ARRAY[r.mask & 1 <> 0, r.mask & 3 = 2, r.mask & 7 = 4])[1:s.nsteps]) FROM trows r WHERE r.g = s.g) AS ours_strict,
       (SELECT funnel_count(r.ts, s.win, VARIADIC (ARRAY[r.mask & 1 <> 0, r.mask & 3 = 2, r.mask & 7 = 4])[1:s.nsteps]) FROM trows r WHERE r.g = s.g) AS ours
FROM fsets s WHERE s.g <= 100;
SELECT is((SELECT count(*) FROM fj WHERE j IS NOT NULL AND (funnel_count(j, win, (ARRAY['s1', 's2', 's3'])[1:nsteps]) <> ours
                                                        OR funnel_count(j, win, (ARRAY['s1', 's2', 's3'])[1:nsteps], 'strict_order') <> ours_strict)),
          0::bigint, 'funnel_count(journey) = the row aggregate');

SELECT * FROM finish();
ROLLBACK;

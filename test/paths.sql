-- Paths: next_event and path_agg against plain-SQL references written
-- with window functions (row_number, lead, lag) on thousands of random
-- small histories (few distinct timestamps, so many ties; NULL timestamps
-- and labels; a base condition that is not a function of the label, so
-- the base-first tie rule matters), the stored-journey forms against the
-- row forms, the bound of a path tree over many distinct labels, and
-- serial = forced parallel = rollup of parts in any grouping and order.
-- (Hostile text and binary input of path_tree: test/fuzz_inputs.sql and
-- sql/paths.sql.)
BEGIN;
SELECT plan(20);

SET LOCAL timezone = 'UTC';
SELECT setseed(0.4142);

-- 0..9 rows per customer over 6 distinct minutes, 5 labels
CREATE TEMP TABLE pr AS
SELECT c,
       CASE WHEN random() < 0.03 THEN NULL
            ELSE timestamptz '2026-01-01 00:00+00' + floor(random() * 6) * interval '1 minute' END AS ts,
       CASE WHEN random() < 0.03 THEN NULL
            ELSE (ARRAY['a', 'b', 'c', 'bb', 'b c'])[1 + floor(random() * 5)::int] END AS label,
       random() < 0.7 AS flip
FROM generate_series(1, 3000) c, LATERAL generate_series(1, floor(random() * 10 + 0 * c)::int) i;
-- base: label 'b' in most rows, but not all ('b' rows with flip false are not base)
ALTER TABLE pr ADD COLUMN base boolean;
UPDATE pr SET base = (label = 'b' AND flip);

-- journey order with the row forms' tie rule: ts, label in byte order, base first
CREATE TEMP TABLE pr_ord AS
SELECT c, ts, label, coalesce(base, false) AS base,
       row_number() OVER (PARTITION BY c ORDER BY ts, label COLLATE "C", coalesce(base, false) DESC) AS rn
FROM pr WHERE ts IS NOT NULL AND label IS NOT NULL;

-- next_event reference: lead/lag at the first base row
CREATE TEMP TABLE ne_ref AS
SELECT c.c, k.k,
       (SELECT x.nxt FROM (SELECT rn, base, lead(label, k.k) OVER (ORDER BY rn) AS nxt FROM pr_ord o WHERE o.c = c.c) x
        WHERE x.base ORDER BY x.rn LIMIT 1) AS fwd,
       (SELECT x.prv FROM (SELECT rn, base, lag(label, k.k) OVER (ORDER BY rn) AS prv FROM pr_ord o WHERE o.c = c.c) x
        WHERE x.base ORDER BY x.rn LIMIT 1) AS bwd
FROM (SELECT DISTINCT c FROM pr) c, (VALUES (1), (2), (4)) k(k);
CREATE TEMP TABLE ne_got AS
SELECT c, k, next_event(ts, label, base, 'forward', k) AS fwd, next_event(ts, label, base, 'backward', k) AS bwd
FROM pr, (VALUES (1), (2), (4)) k(k) GROUP BY c, k;

SELECT is((SELECT count(*) FROM ne_ref r JOIN ne_got g USING (c, k)
           WHERE r.fwd IS NOT DISTINCT FROM g.fwd AND r.bwd IS NOT DISTINCT FROM g.bwd),
          (SELECT count(*) FROM ne_ref), 'next_event forward and backward, k = 1, 2, 4 = lead()/lag() at the first base row');
SELECT ok((SELECT count(*) FILTER (WHERE fwd IS NOT NULL) > 1000 AND count(*) FILTER (WHERE bwd IS NOT NULL) > 1000
           AND count(*) FILTER (WHERE fwd IS NULL) > 100 FROM ne_ref),
          'the reference has answers and NULLs in both directions');
SELECT is((SELECT count(*) FROM (SELECT c FROM pr GROUP BY c
                                 HAVING next_event(ts, label, base) IS DISTINCT FROM next_event(ts, label, base, 'forward', 1)) s),
          0::bigint, 'next_event(ts, label, base) is the forward k = 1 form');

-- the stored journey: base = the label 'b' (a function of the label)
CREATE TEMP TABLE pj AS SELECT c, journey_agg(ts, label) AS j FROM pr GROUP BY c;
SELECT is((SELECT count(*) FROM
             (SELECT c, k, next_event(ts, label, label = 'b', 'forward', k) AS f, next_event(ts, label, label = 'b', 'backward', k) AS b
              FROM pr, (VALUES (1), (3)) k(k) GROUP BY c, k) r
             JOIN pj USING (c)
           WHERE r.f IS DISTINCT FROM next_event(pj.j, 'b', 'forward', r.k)
              OR r.b IS DISTINCT FROM next_event(pj.j, 'b', 'backward', r.k)),
          0::bigint, 'next_event over the stored journey = the row aggregate');

-- path_agg reference: from the first start row, repeats folded, cut at a session gap
CREATE FUNCTION pg_temp.path_sig(p path_tree) RETURNS text LANGUAGE sql AS $$
  SELECT path_steps(p) || '|' || coalesce(string_agg(e.from_label || '>' || e.to_label || '@' || e.median_gap_seconds, '|' ORDER BY e.depth), '')
  FROM path_edges(p, 100) e
$$;
CREATE TEMP TABLE pa_ref AS
WITH s AS (SELECT c, min(rn) FILTER (WHERE base) AS srn FROM pr_ord GROUP BY c),
g AS (SELECT * FROM (VALUES (NULL::interval), ('1 minute'), ('0')) v(gap)),
n AS (SELECT * FROM (VALUES (1), (3), (10)) v(steps)),
a AS (SELECT o.c, g.gap, o.rn, o.ts, o.label, s.srn,
             o.ts - lag(o.ts) OVER w AS dt, lag(o.label) OVER w AS prev
      FROM pr_ord o JOIN s USING (c), g WHERE o.rn >= s.srn
      WINDOW w AS (PARTITION BY o.c, g.gap ORDER BY o.rn)),
cut AS (SELECT c, gap, min(rn) FILTER (WHERE dt > gap) AS crn FROM a GROUP BY c, gap),
st AS (SELECT a.c, a.gap, a.ts, a.label, row_number() OVER (PARTITION BY a.c, a.gap ORDER BY a.rn) AS step
       FROM a JOIN cut ON cut.c = a.c AND cut.gap IS NOT DISTINCT FROM a.gap
       WHERE (cut.crn IS NULL OR a.rn < cut.crn) AND a.prev IS DISTINCT FROM a.label),
e AS (SELECT st.*, n.steps, lag(label) OVER w AS from_label, extract(epoch FROM ts - lag(ts) OVER w)::float8 AS gap_s
      FROM st, n WHERE st.step <= n.steps
      WINDOW w AS (PARTITION BY st.c, st.gap, n.steps ORDER BY st.step))
SELECT c, gap, steps, max(step) || '|' || coalesce(string_agg(from_label || '>' || label || '@' || gap_s, '|' ORDER BY step) FILTER (WHERE step > 1), '') AS sig
FROM e GROUP BY c, gap, steps;
CREATE TEMP TABLE pa_got AS
SELECT c, NULL::interval AS gap, n.steps, path_agg(ts, label, base, n.steps) AS p
FROM pr, (VALUES (1), (3), (10)) n(steps) GROUP BY c, n.steps
UNION ALL
SELECT c, g.gap, n.steps, path_agg(ts, label, base, n.steps, g.gap)
FROM pr, (VALUES (interval '1 minute'), ('0')) g(gap), (VALUES (1), (3), (10)) n(steps) GROUP BY c, g.gap, n.steps;

SELECT is((SELECT count(*) FROM pa_ref r JOIN pa_got g ON g.c = r.c AND g.steps = r.steps AND g.gap IS NOT DISTINCT FROM r.gap
           WHERE pg_temp.path_sig(g.p) = r.sig),
          (SELECT count(*) FROM pa_ref), 'path_agg = the window-function reference (steps 1, 3, 10; no gap, 1 minute, 0)');
SELECT is((SELECT count(*) FROM pa_got WHERE p IS NOT NULL), (SELECT count(*) FROM pa_ref),
          'path_agg is NULL exactly for customers without a start event');
SELECT ok((SELECT count(DISTINCT sig) > 100 AND max(split_part(sig, '|', 1)::int) >= 4 FROM pa_ref), 'the reference has varied, long paths');

-- the roll-up against the reference's Sankey rows (no fold: 5 labels)
CREATE TEMP TABLE pa_edges_ref AS
WITH e AS (SELECT r.c, x.ord AS depth, split_part(x.t, '>', 1) AS from_label,
                  split_part(split_part(x.t, '>', 2), '@', 1) AS to_label, split_part(x.t, '@', 2)::float8 AS gap_s
           FROM pa_ref r, unnest(string_to_array(r.sig, '|')) WITH ORDINALITY x(t, ord)
           WHERE r.gap IS NULL AND r.steps = 10 AND x.ord > 1 AND x.t <> '')
SELECT depth - 1 AS depth, from_label, to_label, count(*) AS customers,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY gap_s) AS median_s
FROM e GROUP BY 1, 2, 3;
CREATE TEMP TABLE pa_tree AS SELECT rollup(p) AS t FROM pa_got WHERE gap IS NULL AND steps = 10;
SELECT is((SELECT count(*) FROM path_edges((SELECT t FROM pa_tree), 100) e JOIN pa_edges_ref r USING (depth, from_label, to_label)
           WHERE e.customers = r.customers AND abs(e.median_gap_seconds - r.median_s) <= 0.01 * r.median_s),
          (SELECT count(*) FROM pa_edges_ref), 'path_edges of the roll-up: customers exact, median gap within 1%');
SELECT is((SELECT count(*) FROM path_edges((SELECT t FROM pa_tree), 100)), (SELECT count(*) FROM pa_edges_ref),
          'and no other rows');
SELECT is(num_paths(t), (SELECT count(*) FROM pa_got WHERE gap IS NULL AND steps = 10 AND p IS NOT NULL), 'num_paths counts the customers')
FROM pa_tree;

-- the stored-journey form = the row form (start = the label 'b')
SELECT is((SELECT count(*) FROM
             (SELECT c, path_agg(ts, label, label = 'b', 4) AS p, path_agg(ts, label, label = 'b', 4, '1 minute') AS q FROM pr GROUP BY c) r
             JOIN pj USING (c)
           WHERE r.p::text IS DISTINCT FROM path_agg(pj.j, 'b', 4)::text
              OR r.q::text IS DISTINCT FROM path_agg(pj.j, 'b', 4, '1 minute')::text),
          0::bigint, 'path_agg over the stored journey = the row aggregate');

-- Many distinct labels: 4000 customers, paths of 6 steps over 300 labels
-- (a few frequent ones), gaps from 1 second to 30 days.
CREATE TABLE paths_many AS
SELECT c, path_agg(ts, label, i = 1, 6) AS p
FROM (SELECT c, i, timestamptz '2026-01-01' + (i * 86400 + floor(random() * 1e6)) * interval '1 second' AS ts,
             CASE WHEN random() < 0.5 THEN 'hot' || floor(random() * 4)::int ELSE 'l' || floor(random() * 300)::int END AS label
      FROM generate_series(1, 4000) c, generate_series(1, 8) i) s
GROUP BY c;
ANALYZE paths_many;
CREATE TEMP TABLE serial AS SELECT rollup(p)::text AS t FROM paths_many;
SELECT ok((SELECT bool_and(n = 17) AND count(*) = 5 FROM (SELECT depth, count(DISTINCT to_label) AS n FROM path_edges((SELECT t::path_tree FROM serial), 1000) GROUP BY depth) s),
          '16 labels and (other) per step of the folded tree, whatever the number of distinct labels');
SELECT ok((SELECT octet_length(t) / 2 <= 32324636 FROM serial), 'the tree stays under its documented bound');
SELECT is((SELECT array_agg(n ORDER BY depth) FROM (SELECT depth, sum(customers) AS n FROM path_edges((SELECT t::path_tree FROM serial), 1000) GROUP BY depth) s),
          (SELECT array_agg(n ORDER BY d) FROM (SELECT d, count(*) FILTER (WHERE path_steps(p) > d)::numeric AS n
                                                FROM paths_many, generate_series(1, 5) d GROUP BY d) s),
          'folded transitions keep exact totals (customers with more than d steps)');
SELECT is((SELECT rollup(p)::text FROM (SELECT p FROM paths_many ORDER BY c DESC) s), (SELECT t FROM serial),
          'the same tree whatever the row order');
SELECT is((SELECT rollup(t)::text FROM (SELECT rollup(p) AS t FROM paths_many GROUP BY c % 7) s), (SELECT t FROM serial),
          'rollup of 7 parts = the tree built at once');
SELECT is((SELECT path_tree(t)::text FROM (SELECT rollup(p) AS t FROM paths_many GROUP BY c / 300 ORDER BY c / 300 DESC) s), (SELECT t FROM serial),
          'path_tree of 14 other parts, merged in another order = the same');
SELECT is((SELECT path_tree_merge((SELECT rollup(p) FROM paths_many WHERE c <= 1000), (SELECT rollup(p) FROM paths_many WHERE c > 1000))::text),
          (SELECT t FROM serial), 'path_tree_merge of two halves = the same');

CREATE TABLE paths_rows AS SELECT * FROM pr;
ANALYZE paths_rows;
CREATE TEMP TABLE paths_rows_serial AS
SELECT c, next_event(ts, label, base, 'backward', 2) AS n, path_agg(ts, label, base, 5)::text AS p FROM paths_rows GROUP BY c;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
\i test/force_parallel_on.psql
SELECT is((SELECT rollup(p)::text FROM paths_many), (SELECT t FROM serial), 'forced parallel roll-up = serial');
SELECT is((SELECT count(*) FROM (SELECT c, next_event(ts, label, base, 'backward', 2) AS n, path_agg(ts, label, base, 5)::text AS p
                                 FROM paths_rows GROUP BY c) par
           JOIN paths_rows_serial s USING (c) WHERE par.n IS NOT DISTINCT FROM s.n AND par.p IS NOT DISTINCT FROM s.p),
          (SELECT count(*) FROM paths_rows_serial), 'forced parallel next_event and path_agg (combine, serialize) = serial');
\i test/force_parallel_off.psql

SELECT * FROM finish();
ROLLBACK;

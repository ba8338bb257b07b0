-- The sales pipeline on a small generated CRM: 400 deals created from
-- September to November 2026, owned by four account executives, moving
-- lead -> qualified -> demo -> proposal -> won, with skips (a lead that
-- asks for a demo straight away), moves back (a proposal sent back to a
-- new demo) and losses.  Deterministic: every draw is a hash of the deal
-- number (hashint4), the same on every run and every PostgreSQL major.
\pset null '-'
SET intervalstyle = postgres;
SET timezone = 'UTC';

CREATE TEMP TABLE crm_stages (stage int PRIMARY KEY, name text);
INSERT INTO crm_stages VALUES (1, 'lead'), (2, 'qualified'), (3, 'demo'), (4, 'proposal'), (5, 'won');

-- One row per time a deal entered a stage (what a CRM's stage history
-- export holds); a loss is a row with lost = true at the deal's stage.
CREATE TEMP TABLE crm_deals (deal int PRIMARY KEY, owner text, created timestamptz);
CREATE TEMP TABLE crm_stage_history (deal int, entered_at timestamptz, stage int, lost boolean);
DO $$
DECLARE
  d int; j int; stage int; t timestamptz; u float8;
  loss float8[] := ARRAY[0.25, 0.15, 0.15, 0.25];   -- chance to lose a deal at each step, by stage
BEGIN
  FOR d IN 1..400 LOOP
    t := timestamptz '2026-09-01' + ((hashint4(d) & 2147483647) % (91 * 24)) * interval '1 hour';
    INSERT INTO crm_deals VALUES (d, (ARRAY['Ana', 'Ben', 'Chloe', 'Dev'])[1 + (hashint4(d * 7) & 3)], t);
    stage := 1;
    INSERT INTO crm_stage_history VALUES (d, t, 1, false);
    FOR j IN 1..8 LOOP
      u := (hashint4(d * 100 + j) & 2147483647) / 2147483648.0;
      t := t + (12 + (hashint4(d * 100 + j + 50) & 2147483647) % (stage * 6 * 24)) * interval '1 hour';
      EXIT WHEN t > timestamptz '2026-12-01' OR stage = 5;
      IF u < loss[stage] THEN
        INSERT INTO crm_stage_history VALUES (d, t, stage, true);
        EXIT;
      ELSIF u < loss[stage] + 0.08 AND stage = 4 THEN
        stage := 3;                                   -- back to a second demo
      ELSIF u < loss[stage] + 0.15 AND stage = 1 THEN
        stage := 3;                                   -- straight to a demo
      ELSIF u < loss[stage] + 0.20 THEN
        CONTINUE;                                     -- no move this time
      ELSE
        stage := stage + 1;
      END IF;
      INSERT INTO crm_stage_history VALUES (d, t, stage, false);
    END LOOP;
  END LOOP;
END $$;

CREATE TEMP TABLE crm_paths AS
SELECT h.deal, d.owner, pipeline_path(h.entered_at, h.stage, h.lost) AS p
FROM crm_stage_history h JOIN crm_deals d USING (deal) GROUP BY h.deal, d.owner;

\echo
\echo '=== Sales pipeline as of 2026-12-01: 400 deals, lead -> qualified -> demo -> proposal -> won ==='
\echo 'entered = deals that reached the stage (a skipped stage counts as passed); in stage now = open'
\echo 'deals sitting there; moved on = went on to a later stage; lost = lost at that stage;'
\echo 'days in stage: deals that left it (median, p90); age now: deals still in it (median).'
SELECT s.stage, n.name, s.entered, s.in_stage_now AS "in stage now", s.moved_on AS "moved on", s.lost,
       round(100 * s.conversion_to_next::numeric, 1) AS "% to next",
       round((s.median_time_in_stage_seconds / 86400)::numeric, 1) AS "median days",
       round((s.p90_time_in_stage_seconds / 86400)::numeric, 1) AS "p90 days",
       round((s.median_age_in_stage_now_seconds / 86400)::numeric, 1) AS "age now, days"
FROM (SELECT pipeline(p, '2026-12-01') AS pl FROM crm_paths) t, pipeline_stages(t.pl) s
JOIN crm_stages n USING (stage) ORDER BY s.stage;

\echo 'Win rate: won / all deals; open pipeline by owner (deals in each stage now):'
SELECT owner, count(*) AS deals,
       count(*) FILTER (WHERE current_stage(p) = 5) AS won,
       count(*) FILTER (WHERE is_lost(p)) AS lost,
       round(100.0 * count(*) FILTER (WHERE current_stage(p) = 5) / count(*), 1) AS "win %",
       count(*) FILTER (WHERE NOT is_lost(p) AND current_stage(p) = 1) AS lead,
       count(*) FILTER (WHERE NOT is_lost(p) AND current_stage(p) = 2) AS qualified,
       count(*) FILTER (WHERE NOT is_lost(p) AND current_stage(p) = 3) AS demo,
       count(*) FILTER (WHERE NOT is_lost(p) AND current_stage(p) = 4) AS proposal
FROM crm_paths GROUP BY ROLLUP (owner) ORDER BY owner NULLS LAST;

\echo 'The same report, month by month: the pipeline as each month ended (as_of reads the deals as'
\echo 'their history stood then; deals created later are not counted yet):'
SELECT to_char(a - interval '1 day', 'YYYY-MM') AS "month end", s.stage, n.name, s.entered,
       s.in_stage_now AS "in stage now", s.lost, round(100 * s.conversion_to_next::numeric, 1) AS "% to next"
FROM (VALUES (timestamptz '2026-10-01'), ('2026-11-01'), ('2026-12-01')) v(a),
     LATERAL (SELECT pipeline(p, a) AS pl FROM crm_paths) t, pipeline_stages(t.pl) s
JOIN crm_stages n USING (stage)
WHERE s.stage IN (1, 3, 5) ORDER BY a, s.stage;

\echo 'Per owner, merged: rollup() of the four owners'' pipelines is the whole pipeline:'
SELECT (SELECT rollup(pl)::text FROM (SELECT pipeline(p, '2026-12-01') AS pl FROM crm_paths GROUP BY owner) x)
     = (SELECT pipeline(p, '2026-12-01')::text FROM crm_paths) AS "rollup = whole";

\echo 'Stuck deals to chase: open deals in demo or proposal for more than 3 weeks (total time there):'
SELECT c.deal, c.owner, n.name AS stage, date_trunc('day', entered_at(c.p, current_stage(c.p))) AS "first entered",
       justify_days(date_trunc('day', time_in_stage(c.p, current_stage(c.p), '2026-12-01'))) AS "time there"
FROM crm_paths c JOIN crm_stages n ON n.stage = current_stage(c.p)
WHERE NOT is_lost(c.p) AND current_stage(c.p) IN (3, 4)
  AND time_in_stage(c.p, current_stage(c.p), '2026-12-01') > interval '21 days'
ORDER BY time_in_stage(c.p, current_stage(c.p), '2026-12-01') DESC LIMIT 8;

\echo 'One deal''s history, as pipeline_path keeps it (moves stage@time; last row or loss):'
SELECT deal, owner, p FROM crm_paths WHERE deal = (SELECT min(deal) FROM crm_paths WHERE p::text LIKE '%, 3@%, 4@%, 3@%');

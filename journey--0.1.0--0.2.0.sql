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
-- The funnel_step/funnel_path overloads with separate conditions are now
-- generated (src/funnel_overloads.sh) but identical; the funnel and
-- funnel_path format version 2 (window and mode) and the positive-window
-- check are in the shared library, which reads version 1 values.
-- New in 0.2.0, the label form: step k matches the rows whose label is steps[k], compared
-- in C (no boolean expression per step per row); otherwise the same
-- aggregates as funnel_step(ts, window, [mode,] VARIADIC boolean[]) with
-- step k = (label = steps[k]).  A NULL label ignores the row; a NULL steps
-- array or step label is an error, like a NULL window or mode.
CREATE FUNCTION funnel_transfn(internal, timestamptz, interval, text, text[]) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_labels' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamptz, interval, text, text[], text) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_labels' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamp, interval, text, text[]) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_labels' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamp, interval, text, text[], text) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_labels' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE funnel_step(ts timestamptz, "window" interval, label text, steps text[]) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_step(ts timestamptz, "window" interval, label text, steps text[], mode text) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_step(ts timestamp, "window" interval, label text, steps text[]) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_step(ts timestamp, "window" interval, label text, steps text[], mode text) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_path(ts timestamptz, "window" interval, label text, steps text[]) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_path_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_path(ts timestamptz, "window" interval, label text, steps text[], mode text) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_path_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_path(ts timestamp, "window" interval, label text, steps text[]) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_path_final_ts, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_path(ts timestamp, "window" interval, label text, steps text[], mode text) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_path_final_ts, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE funnel_step(timestamptz, interval, text, text[])
    IS 'windowFunnel over labels: step k is a row whose label is steps[k]';
COMMENT ON AGGREGATE funnel_step(timestamptz, interval, text, text[], text)
    IS 'windowFunnel over labels, with options';
COMMENT ON AGGREGATE funnel_path(timestamptz, interval, text, text[])
    IS 'funnel_path over labels: step k is a row whose label is steps[k]';

-- rfm
-- rfm_segment_map() fixes its search_path like every SQL function of the
-- extension (its body was and is fully qualified).
ALTER FUNCTION rfm_segment_map() SET search_path = pg_catalog, pg_temp;

-- unit_economics

-- clv
-- clv_params gains the column converged (and the rows iterations and
-- gradient_norm): its OUT columns change, so it is dropped and created again.
DROP FUNCTION clv_params(clv_model);
CREATE FUNCTION clv_params(clv_model, OUT name text, OUT value double precision, OUT converged boolean)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'clv_model_params' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 9;
COMMENT ON FUNCTION clv_params(clv_model) IS 'the model''s parameters, log-likelihood, n, grid, iterations and gradient norm; converged says whether the fit reached an interior maximum';

-- lifecycle

-- retention

-- active_periods: the state carries origin, period and periods, so that a
-- row or partial state with other parameters is an error.  The aggregate
-- is re-created (its state type changes); a view using it must be dropped
-- before the update and re-created after.
DROP AGGREGATE active_periods(timestamptz, boolean, timestamptz, interval, integer);
DROP FUNCTION active_periods_transfn(bit varying, timestamptz, boolean, timestamptz, interval, integer);
DROP FUNCTION active_periods_combine(bit varying, bit varying);
CREATE FUNCTION active_periods_trans(bytea, timestamptz, boolean, timestamptz, interval, integer)
    RETURNS bytea AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION active_periods_merge(bytea, bytea) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION active_periods_final(bytea) RETURNS bit varying
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE AGGREGATE active_periods(ts timestamptz, is_active boolean, origin timestamptz,
                                period interval, periods integer) (
    SFUNC = active_periods_trans, STYPE = bytea, FINALFUNC = active_periods_final,
    COMBINEFUNC = active_periods_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE active_periods(timestamptz, boolean, timestamptz, interval, integer)
    IS 'bit k set when an active row falls in [origin + k*period, origin + (k+1)*period)';

-- cohort_retention records its period (format version 2; 0.1.0 values
-- read as "period unknown"): retention_agg(bits, period), cohort_period().
CREATE FUNCTION cohort_retention_add_period(cohort_retention, bit varying, interval) RETURNS cohort_retention
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE retention_agg(active bit varying, period interval) (
    SFUNC = cohort_retention_add_period, STYPE = cohort_retention,
    COMBINEFUNC = cohort_retention_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE retention_agg(bit varying, interval)
    IS 'as retention_agg(bit varying), and the value records the period so that rollup refuses to mix periods';
COMMENT ON AGGREGATE rollup(cohort_retention)
    IS 'merge cohort_retention values, e.g. cohorts into a total; their periods must agree where known';
CREATE FUNCTION cohort_period(cohort_retention) RETURNS interval
    AS 'MODULE_PATHNAME', 'cohort_retention_period' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cohort_period(cohort_retention)
    IS 'the period the value was built with (retention_agg(bits, period)); NULL when unknown';

-- outreach
-- Both functions qualify every operator, function, type and cast they use,
-- in their bodies and in their dynamic SQL (0.1.0's unqualified
-- `oid = regclass` let a planted public.= run as the caller, e.g. a
-- superuser or the pg_cron job); outreach_claim also fixes its
-- search_path; error messages lose their "function:" prefix.  Written as
-- CREATE OR REPLACE, the one use PostgreSQL's extension guidelines allow:
-- changing a function that is already a member of this extension (the
-- command fails if it is not), which keeps its OID, owner and grants
-- (a DROP and CREATE would give EXECUTE back to PUBLIC).
CREATE OR REPLACE FUNCTION outreach_enqueue(queue regclass, candidates text) RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $fn$
DECLARE
    inserted bigint;
BEGIN
    IF queue IS NULL OR candidates IS NULL THEN
        RAISE EXCEPTION 'queue and candidates must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT EXISTS (
        SELECT 1
        FROM pg_catalog.pg_index i
        WHERE i.indrelid OPERATOR(pg_catalog.=) queue::pg_catalog.oid
          AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
          AND NOT EXISTS (
              SELECT 1
              FROM pg_catalog.unnest(i.indkey::pg_catalog.int2[]) AS k(attnum)
              JOIN pg_catalog.pg_attribute a
                ON a.attrelid OPERATOR(pg_catalog.=) queue::pg_catalog.oid
               AND a.attnum OPERATOR(pg_catalog.=) k.attnum
              WHERE a.attname OPERATOR(pg_catalog.<>)
                    ALL (ARRAY['customer_id', 'milestone', 'reached_at']::pg_catalog.name[]))) THEN
        RAISE EXCEPTION 'queue % has no unique key on (customer_id, milestone, reached_at) or a subset of it', queue
            USING ERRCODE = 'invalid_table_definition',
                  DETAIL = 'Without such a key a rerun would insert the same milestone twice.',
                  HINT = 'Add PRIMARY KEY (customer_id, milestone, reached_at), or UNIQUE (customer_id, milestone) for once per customer ever.';
    END IF;
    EXECUTE pg_catalog.format(
        'INSERT INTO %s AS q (customer_id, milestone, reached_at) '
        'SELECT c.customer_id, c.milestone, c.reached_at FROM (%s) AS c '
        'WHERE c.reached_at OPERATOR(pg_catalog.<=) pg_catalog.now() '
        'ON CONFLICT DO NOTHING', queue, candidates);
    GET DIAGNOSTICS inserted = ROW_COUNT;
    RETURN inserted;
END
$fn$;

CREATE OR REPLACE FUNCTION outreach_claim(queue regclass, batch integer,
                               OUT customer_id text, OUT milestone text, OUT reached_at timestamptz)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE ROWS 100
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF queue IS NULL OR batch IS NULL THEN
        RAISE EXCEPTION 'queue and batch must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF batch OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'batch must be at least 1'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY EXECUTE pg_catalog.format(
        'UPDATE %1$s AS q SET sent_at = pg_catalog.now() '
        'WHERE q.ctid OPERATOR(pg_catalog.=) ANY (ARRAY('
        'SELECT s.ctid FROM %1$s AS s WHERE s.sent_at IS NULL '
        'ORDER BY s.reached_at LIMIT %2$s FOR UPDATE SKIP LOCKED)) '
        'AND q.sent_at IS NULL '
        'RETURNING q.customer_id::pg_catalog.text, q.milestone::pg_catalog.text, '
        'q.reached_at::pg_catalog.timestamptz', queue, batch);
END
$fn$;

-- timeline (the journey type)

CREATE TYPE journey;

CREATE FUNCTION journey_in(cstring) RETURNS journey
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION journey_out(journey) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION journey_recv(internal) RETURNS journey
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION journey_send(journey) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE journey (
    INPUT = journey_in,
    OUTPUT = journey_out,
    RECEIVE = journey_recv,
    SEND = journey_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = int4,
    STORAGE = extended
);
COMMENT ON TYPE journey IS 'one customer''s events in time order: exact timestamps, a label per event, optional exact amounts';

-- journey_agg's state: the group's events, unsorted, with a dictionary of
-- labels; sorted once by the final function.  It sorts in place and brings
-- the amounts to one scale, which leaves the same events: the state stays
-- valid for more rows, so the final function is declared READ_ONLY and
-- the aggregates also work as window functions (a running history).
-- Transitions are not strict: rows with a NULL or infinite ts or a NULL
-- label are skipped.
CREATE FUNCTION journey_agg_transfn(internal, timestamptz, text) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION journey_agg_transfn(internal, timestamptz, text, numeric) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION journey_agg_transfn(internal, timestamp, text) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION journey_agg_transfn(internal, timestamp, text, numeric) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION journey_rollup_transfn(internal, journey) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION journey_agg_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION journey_agg_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION journey_agg_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION journey_agg_final(internal) RETURNS journey
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE journey_agg(ts timestamptz, label text) (
    SFUNC = journey_agg_transfn, STYPE = internal, SSPACE = 512,
    FINALFUNC = journey_agg_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = journey_agg_combine, SERIALFUNC = journey_agg_serialize,
    DESERIALFUNC = journey_agg_deserialize, PARALLEL = SAFE
);
CREATE AGGREGATE journey_agg(ts timestamptz, label text, amount numeric) (
    SFUNC = journey_agg_transfn, STYPE = internal, SSPACE = 512,
    FINALFUNC = journey_agg_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = journey_agg_combine, SERIALFUNC = journey_agg_serialize,
    DESERIALFUNC = journey_agg_deserialize, PARALLEL = SAFE
);
-- timestamp (without time zone) values are taken as UTC
CREATE AGGREGATE journey_agg(ts timestamp, label text) (
    SFUNC = journey_agg_transfn, STYPE = internal, SSPACE = 512,
    FINALFUNC = journey_agg_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = journey_agg_combine, SERIALFUNC = journey_agg_serialize,
    DESERIALFUNC = journey_agg_deserialize, PARALLEL = SAFE
);
CREATE AGGREGATE journey_agg(ts timestamp, label text, amount numeric) (
    SFUNC = journey_agg_transfn, STYPE = internal, SSPACE = 512,
    FINALFUNC = journey_agg_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = journey_agg_combine, SERIALFUNC = journey_agg_serialize,
    DESERIALFUNC = journey_agg_deserialize, PARALLEL = SAFE
);
COMMENT ON AGGREGATE journey_agg(timestamptz, text) IS 'the events of a group (usually a customer) as a journey';
COMMENT ON AGGREGATE journey_agg(timestamptz, text, numeric) IS 'the events of a group (usually a customer), with amounts, as a journey';

CREATE AGGREGATE rollup(journey) (
    SFUNC = journey_rollup_transfn, STYPE = internal, SSPACE = 512,
    FINALFUNC = journey_agg_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = journey_agg_combine, SERIALFUNC = journey_agg_serialize,
    DESERIALFUNC = journey_agg_deserialize, PARALLEL = SAFE
);
COMMENT ON AGGREGATE rollup(journey) IS 'merge journeys: the union of their events, e.g. daily parts into a whole history';

CREATE FUNCTION journey_merge(journey, journey) RETURNS journey
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION journey_merge(journey, journey) IS 'the union of the events of two journeys';

-- Readers (strict: a NULL journey gives NULL).
CREATE FUNCTION journey_events(j journey, OUT ts timestamptz, OUT label text, OUT amount numeric)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;
CREATE FUNCTION num_events(journey) RETURNS bigint
    AS 'MODULE_PATHNAME', 'journey_num_events' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION first_at(journey) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'journey_first_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION last_at(journey) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'journey_last_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION journey_labels(journey) RETURNS text[]
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
-- Per label: a label the journey does not have gives 0 events and NULL
-- timestamps; total_amount is NULL when no event of the label has one.
CREATE FUNCTION num_events(journey, label text) RETURNS bigint
    AS 'MODULE_PATHNAME', 'journey_label_num_events' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION first_at(journey, label text) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'journey_label_first_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION last_at(journey, label text) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'journey_label_last_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION total_amount(journey, label text) RETURNS numeric
    AS 'MODULE_PATHNAME', 'journey_label_total_amount' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Analyses over stored journeys (src/timeline_analysis.c): the row
-- aggregates' semantics, with steps and conditions given as labels (an
-- event meets a condition when its label is one of the condition's).  Not
-- strict unless said: a NULL journey is a customer without events; NULL
-- parameters are errors, as in the aggregates.
CREATE FUNCTION funnel_step(j journey, "window" interval, steps text[]) RETURNS integer
    AS 'MODULE_PATHNAME', 'journey_funnel_step' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_step(j journey, "window" interval, steps text[], mode text) RETURNS integer
    AS 'MODULE_PATHNAME', 'journey_funnel_step' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION funnel_step(journey, interval, text[])
    IS 'windowFunnel over a journey: the longest chain of steps (labels) within the window';
COMMENT ON FUNCTION funnel_step(journey, interval, text[], text)
    IS 'windowFunnel over a journey, with a mode: the longest chain of steps (labels) within the window';
CREATE FUNCTION funnel_path(j journey, "window" interval, steps text[]) RETURNS funnel_path
    AS 'MODULE_PATHNAME', 'journey_funnel_path' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_path(j journey, "window" interval, steps text[], mode text) RETURNS funnel_path
    AS 'MODULE_PATHNAME', 'journey_funnel_path' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION funnel_path(journey, interval, text[])
    IS 'the best funnel chain of a journey: steps reached and when';
COMMENT ON FUNCTION funnel_path(journey, interval, text[], text)
    IS 'the best funnel chain of a journey under a mode: steps reached and when';
-- Strict: a NULL journey, label or start_at gives NULL.
CREATE FUNCTION time_to_first_value(j journey, start_label text, value_label text) RETURNS interval
    AS 'MODULE_PATHNAME', 'journey_ttfv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION time_to_first_value(j journey, start_at timestamptz, value_label text) RETURNS interval
    AS 'MODULE_PATHNAME', 'journey_ttfv_start_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION time_to_first_value(journey, text, text)
    IS 'time from the first start_label event to the first value_label event at or after it';
COMMENT ON FUNCTION time_to_first_value(journey, timestamptz, text)
    IS 'time from start_at to the first value_label event at or after it';
CREATE FUNCTION lifecycle_stage(j journey, activation_labels text[], use_labels text[],
                                as_of timestamptz, dormant_after interval, churned_after interval)
    RETURNS lifecycle_stage
    AS 'MODULE_PATHNAME', 'journey_lifecycle_stage' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION lifecycle_stage(journey, text[], text[], timestamptz, interval, interval)
    IS 'a journey''s lifecycle stage as of an instant';
CREATE FUNCTION lifecycle_status(j journey, activation_labels text[], use_labels text[],
                                 as_of timestamptz, dormant_after interval, churned_after interval)
    RETURNS lifecycle_status
    AS 'MODULE_PATHNAME', 'journey_lifecycle_status' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION lifecycle_status(journey, text[], text[], timestamptz, interval, interval)
    IS 'a journey''s lifecycle stage with the instant it began, the activation and the last use';
CREATE FUNCTION active_periods(j journey, active_labels text[], origin timestamptz,
                               period interval, periods integer) RETURNS bit varying
    AS 'MODULE_PATHNAME', 'journey_active_periods' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION active_periods(journey, text[], timestamptz, interval, integer)
    IS 'bit k set when an event of active_labels falls in [origin + k*period, origin + (k+1)*period)';
CREATE FUNCTION retention(j journey, VARIADIC labels text[]) RETURNS integer[]
    AS 'MODULE_PATHNAME', 'journey_retention' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION retention(journey, text[])
    IS 'ClickHouse retention() over a journey: r[1] = some event of label 1; r[i] = r[1] and some event of label i';
CREATE FUNCTION clv_inputs(j journey, purchase_label text, observation_end timestamptz, period interval)
    RETURNS clv_inputs
    AS 'MODULE_PATHNAME', 'journey_clv_inputs' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clv_inputs(journey, text, timestamptz, interval)
    IS 'a journey''s (frequency, recency, t, monetary) from its purchase_label events and their amounts';

-- rfm, new in 0.2.0: a scale per dimension, fixed cut points, segment
-- actions (src/rfm.c, src/rfm_score.c, src/rfm_fixed.c)

-- A scale per dimension: bins integer[] = '{recency, frequency, monetary}'
-- bins, each 2..9.  Not strict: a NULL bins is an error, a NULL score or
-- value gives NULL.
CREATE FUNCTION rfm(r integer, f integer, m integer, bins integer[]) RETURNS rfm
    AS 'MODULE_PATHNAME', 'rfm_make_scales' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION rfm(integer, integer, integer, integer[])
    IS 'an rfm value with a scale per dimension (bins = ''{recency, frequency, monetary}'')';
CREATE FUNCTION rfm_scales(rfm) RETURNS integer[]
    AS 'MODULE_PATHNAME', 'rfm_scales' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_scales(rfm) IS 'the recency, frequency and monetary bins';

CREATE FUNCTION rfm_score(last_purchase timestamptz, frequency double precision,
                          monetary double precision, bins integer[]) RETURNS rfm
    AS 'MODULE_PATHNAME', 'rfm_score_window_scales' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION rfm_score(timestamptz, double precision, double precision, integer[])
    IS 'scores against the window partition with a scale per dimension (bins = ''{recency, frequency, monetary}'')';

CREATE FUNCTION rfm_model_add(rfm_model, timestamptz, double precision, double precision, integer[]) RETURNS rfm_model
    AS 'MODULE_PATHNAME', 'rfm_model_add_scales' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE rfm_model(last_purchase timestamptz, frequency double precision, monetary double precision,
                           bins integer[]) (
    SFUNC = rfm_model_add,
    STYPE = rfm_model,
    FINALFUNC = rfm_model_final,
    COMBINEFUNC = rfm_model_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rfm_model(timestamptz, double precision, double precision, integer[])
    IS 'RFM model of a population with a scale per dimension (bins = ''{recency, frequency, monetary}'')';
CREATE FUNCTION rfm_scales(rfm_model) RETURNS integer[]
    AS 'MODULE_PATHNAME', 'rfm_model_scales_array' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION rfm_scales(rfm_model) IS 'the recency, frequency and monetary bins';

-- Fixed cut points: n cuts make n + 1 scores.  Not strict: a NULL value
-- gives NULL, a NULL as_of or cut array is an error.
CREATE FUNCTION rfm_score_fixed(last_purchase timestamptz, frequency double precision,
                                monetary double precision, as_of timestamptz,
                                recency_cuts interval[], frequency_cuts double precision[],
                                monetary_cuts double precision[]) RETURNS rfm
    AS 'MODULE_PATHNAME', 'rfm_score_fixed' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION rfm_score_fixed(timestamptz, double precision, double precision, timestamptz,
                                    interval[], double precision[], double precision[])
    IS 'scores against fixed cuts: recency by age (as_of - last_purchase) against decreasing ages, frequency and monetary against increasing cuts';

-- What to do about each segment of a map, in priority order (1 first):
-- the map's rules with their "action" and "priority" (NULL when a rule
-- has none).  Segments named by several rules are listed once (the first).
CREATE FUNCTION rfm_segment_actions(map jsonb,
                                    OUT segment text, OUT priority integer, OUT action text)
    RETURNS SETOF record
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    AS $fn$
    SELECT r.segment, r.priority, r.action
    FROM (SELECT e.value OPERATOR(pg_catalog.->>) 'segment' AS segment,
                 (e.value OPERATOR(pg_catalog.->>) 'priority')::pg_catalog.numeric::integer AS priority,
                 e.value OPERATOR(pg_catalog.->>) 'action' AS action, e.ord,
                 pg_catalog.row_number() OVER (PARTITION BY e.value OPERATOR(pg_catalog.->>) 'segment' ORDER BY e.ord) AS nth
          FROM pg_catalog.jsonb_array_elements(map) WITH ORDINALITY AS e(value, ord)) r
    WHERE r.nth OPERATOR(pg_catalog.=) 1
    ORDER BY r.priority NULLS LAST, r.ord
    $fn$;
COMMENT ON FUNCTION rfm_segment_actions(jsonb) IS 'the segments of an rfm segment map with their priority and action, in priority order';
CREATE FUNCTION rfm_segment_actions(OUT segment text, OUT priority integer, OUT action text)
    RETURNS SETOF record
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    AS $fn$ SELECT * FROM @extschema@.rfm_segment_actions(@extschema@.rfm_segment_map()) $fn$;
COMMENT ON FUNCTION rfm_segment_actions() IS 'the segments of the default rfm segment map with their priority and action';

-- Migration between segments (src/rfm_transitions.c): customers per
-- (from segment, to segment) pair, NULL for no score on that side.
CREATE TYPE rfm_transitions;

CREATE FUNCTION rfm_transitions_in(cstring) RETURNS rfm_transitions
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_transitions_out(rfm_transitions) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_transitions_recv(internal) RETURNS rfm_transitions
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_transitions_send(rfm_transitions) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE rfm_transitions (
    INPUT = rfm_transitions_in,
    OUTPUT = rfm_transitions_out,
    RECEIVE = rfm_transitions_recv,
    SEND = rfm_transitions_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE rfm_transitions IS 'customers per (from segment, to segment) pair between two RFM scorings';

-- Transitions (not strict: a row with both scores NULL is skipped, a NULL
-- map is an error).
CREATE FUNCTION rfm_transitions_add(rfm_transitions, rfm, rfm) RETURNS rfm_transitions
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION rfm_transitions_add(rfm_transitions, rfm, rfm, jsonb) RETURNS rfm_transitions
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION rfm_transitions_merge(rfm_transitions, rfm_transitions) RETURNS rfm_transitions
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_transitions_final(rfm_transitions) RETURNS rfm_transitions
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE rfm_transitions(before rfm, after rfm) (
    SFUNC = rfm_transitions_add,
    STYPE = rfm_transitions,
    FINALFUNC = rfm_transitions_final,
    COMBINEFUNC = rfm_transitions_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rfm_transitions(rfm, rfm) IS 'customers moving between default rfm segments';
CREATE AGGREGATE rfm_transitions(before rfm, after rfm, map jsonb) (
    SFUNC = rfm_transitions_add,
    STYPE = rfm_transitions,
    FINALFUNC = rfm_transitions_final,
    COMBINEFUNC = rfm_transitions_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rfm_transitions(rfm, rfm, jsonb) IS 'customers moving between the segments of a map';
CREATE AGGREGATE rollup(rfm_transitions) (
    SFUNC = rfm_transitions_merge,
    STYPE = rfm_transitions,
    FINALFUNC = rfm_transitions_final,
    COMBINEFUNC = rfm_transitions_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rollup(rfm_transitions) IS 'merge rfm_transitions values, e.g. regions into a total';

CREATE FUNCTION rfm_transition_rows(rfm_transitions,
                                    OUT from_segment text, OUT to_segment text, OUT customers bigint)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'rfm_transition_rows' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 30;
COMMENT ON FUNCTION rfm_transition_rows(rfm_transitions)
    IS 'one row per (from_segment, to_segment) pair with its customers; NULL = no score on that side';

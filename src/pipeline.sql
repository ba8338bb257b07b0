-- sales pipeline (src/pipeline.c): pipeline_path (one deal's stage
-- history) and pipeline (many deals as of a time), pipeline_stages

CREATE TYPE pipeline_path;
-- The times print and parse as timestamptz does (session time zone and
-- DateStyle): STABLE, like funnel_path.
CREATE FUNCTION pipeline_path_in(cstring) RETURNS pipeline_path
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pipeline_path_out(pipeline_path) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pipeline_path_recv(internal) RETURNS pipeline_path
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pipeline_path_send(pipeline_path) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE pipeline_path (
    INPUT = pipeline_path_in,
    OUTPUT = pipeline_path_out,
    RECEIVE = pipeline_path_recv,
    SEND = pipeline_path_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE pipeline_path IS 'one deal''s pipeline history: when it moved to which stage, and whether it was lost';

-- The per-deal aggregate.  The state holds the deal's rows unsorted; the
-- final function sorts them in place, which leaves the same rows: the
-- state stays valid for more rows, so the final function is READ_ONLY
-- (and the aggregate works as a window function).  Not strict: a NULL
-- entered_at ignores the row, a NULL stage is an error.
CREATE FUNCTION pipeline_path_transfn(internal, timestamptz, integer) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION pipeline_path_transfn(internal, timestamptz, integer, boolean) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION pipeline_path_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION pipeline_path_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pipeline_path_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pipeline_path_final(internal) RETURNS pipeline_path
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE pipeline_path(entered_at timestamptz, stage integer) (
    SFUNC = pipeline_path_transfn, STYPE = internal, SSPACE = 96,
    FINALFUNC = pipeline_path_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = pipeline_path_combine,
    SERIALFUNC = pipeline_path_serialize, DESERIALFUNC = pipeline_path_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE pipeline_path(entered_at timestamptz, stage integer, lost boolean) (
    SFUNC = pipeline_path_transfn, STYPE = internal, SSPACE = 96,
    FINALFUNC = pipeline_path_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = pipeline_path_combine,
    SERIALFUNC = pipeline_path_serialize, DESERIALFUNC = pipeline_path_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE pipeline_path(timestamptz, integer)
    IS 'one deal''s pipeline from its stage-change rows (stages 1..n in pipeline order)';
COMMENT ON AGGREGATE pipeline_path(timestamptz, integer, boolean)
    IS 'one deal''s pipeline from its stage-change rows; a row with lost true closes the deal as lost';

-- Accessors.  Without as_of they read the deal as of its last row; with
-- as_of, as its rows up to as_of make it (NULL before its first row).
-- A NULL stage or as_of is an error, so the forms taking one are not
-- strict (a NULL path gives NULL).
CREATE FUNCTION current_stage(pipeline_path) RETURNS integer
    AS 'MODULE_PATHNAME', 'pipeline_path_current_stage' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION current_stage(pipeline_path, as_of timestamptz) RETURNS integer
    AS 'MODULE_PATHNAME', 'pipeline_path_current_stage' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION is_lost(pipeline_path) RETURNS boolean
    AS 'MODULE_PATHNAME', 'pipeline_path_is_lost' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION is_lost(pipeline_path, as_of timestamptz) RETURNS boolean
    AS 'MODULE_PATHNAME', 'pipeline_path_is_lost' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION entered_at(pipeline_path, stage integer) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'pipeline_path_entered_at' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION time_in_stage(pipeline_path, stage integer) RETURNS interval
    AS 'MODULE_PATHNAME', 'pipeline_path_time_in_stage' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION time_in_stage(pipeline_path, stage integer, as_of timestamptz) RETURNS interval
    AS 'MODULE_PATHNAME', 'pipeline_path_time_in_stage' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- pipeline: many deals as of a time, mergeable (its own type is the state)
CREATE TYPE pipeline;
CREATE FUNCTION pipeline_in(cstring) RETURNS pipeline
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pipeline_out(pipeline) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pipeline_recv(internal) RETURNS pipeline
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION pipeline_send(pipeline) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE pipeline (
    INPUT = pipeline_in,
    OUTPUT = pipeline_out,
    RECEIVE = pipeline_recv,
    SEND = pipeline_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE pipeline IS 'deals per pipeline stage as of a time: entered, in it now, lost, time in stage; mergeable';

-- Transition and merge handle NULLs themselves (a NULL path is skipped, a
-- NULL as_of is an error): not strict.
CREATE FUNCTION pipeline_add_path(pipeline, pipeline_path, timestamptz) RETURNS pipeline
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION pipeline_merge(pipeline, pipeline) RETURNS pipeline
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE pipeline(pipeline_path, as_of timestamptz) (
    SFUNC = pipeline_add_path, STYPE = pipeline, COMBINEFUNC = pipeline_merge, PARALLEL = SAFE
);
CREATE AGGREGATE rollup(pipeline) (
    SFUNC = pipeline_merge, STYPE = pipeline, COMBINEFUNC = pipeline_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE pipeline(pipeline_path, timestamptz)
    IS 'roll deals'' pipeline paths up into a pipeline as of a time';
COMMENT ON AGGREGATE rollup(pipeline) IS 'merge pipelines built as of the same time, e.g. teams into a whole';

CREATE FUNCTION pipeline_stages(pipeline,
        OUT stage integer, OUT entered bigint, OUT in_stage_now bigint, OUT moved_on bigint,
        OUT lost bigint, OUT conversion_to_next double precision,
        OUT median_time_in_stage interval, OUT median_time_in_stage_seconds double precision,
        OUT p90_time_in_stage interval, OUT p90_time_in_stage_seconds double precision,
        OUT median_age_in_stage_now interval, OUT median_age_in_stage_now_seconds double precision)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'pipeline_stages' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 8;
CREATE FUNCTION stage_durations(pipeline, stage integer, age boolean DEFAULT false) RETURNS durations
    AS 'MODULE_PATHNAME', 'pipeline_stage_durations' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION num_deals(pipeline) RETURNS bigint
    AS 'MODULE_PATHNAME', 'pipeline_num_deals' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION as_of(pipeline) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'pipeline_as_of' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

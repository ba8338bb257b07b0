-- lifecycle: where a customer stands as of an instant (src/lifecycle.c)

CREATE TYPE lifecycle_stage AS ENUM
    ('prospect', 'activated_unused', 'active', 'resurrected', 'dormant', 'churned');
COMMENT ON TYPE lifecycle_stage IS 'a customer''s stage as of an instant; see lifecycle_stage()';

-- The stage and the instants that explain it, for outreach jobs.
CREATE TYPE lifecycle_status AS (
    stage lifecycle_stage,
    since timestamptz,
    activated_at timestamptz,
    last_use_at timestamptz
);
COMMENT ON TYPE lifecycle_status IS 'stage, the instant it began (when a bounded state knows it), activation and last use';

-- Not strict: a NULL ts or condition ignores the row but the customer still
-- counts (as a prospect); NULL parameters are an error raised inside.
CREATE FUNCTION lifecycle_transfn(internal, timestamptz, boolean, boolean, timestamptz, interval, interval)
    RETURNS internal AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION lifecycle_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION lifecycle_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lifecycle_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lifecycle_stage_final(internal) RETURNS lifecycle_stage
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION lifecycle_status_final(internal) RETURNS lifecycle_status
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE lifecycle_stage(ts timestamptz, is_activation boolean, is_use boolean,
                                 as_of timestamptz, dormant_after interval, churned_after interval) (
    SFUNC = lifecycle_transfn, STYPE = internal, SSPACE = 64, FINALFUNC = lifecycle_stage_final,
    COMBINEFUNC = lifecycle_combine, SERIALFUNC = lifecycle_serialize,
    DESERIALFUNC = lifecycle_deserialize, PARALLEL = SAFE
);
COMMENT ON AGGREGATE lifecycle_stage(timestamptz, boolean, boolean, timestamptz, interval, interval)
    IS 'a customer''s lifecycle stage as of an instant: prospect, activated_unused, active, resurrected, dormant, churned';

CREATE AGGREGATE lifecycle_status(ts timestamptz, is_activation boolean, is_use boolean,
                                  as_of timestamptz, dormant_after interval, churned_after interval) (
    SFUNC = lifecycle_transfn, STYPE = internal, SSPACE = 64, FINALFUNC = lifecycle_status_final,
    COMBINEFUNC = lifecycle_combine, SERIALFUNC = lifecycle_serialize,
    DESERIALFUNC = lifecycle_deserialize, PARALLEL = SAFE
);
COMMENT ON AGGREGATE lifecycle_status(timestamptz, boolean, boolean, timestamptz, interval, interval)
    IS 'lifecycle_stage with the instant the stage began, the activation and the last use';

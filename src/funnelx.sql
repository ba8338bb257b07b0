-- funnels, new in 0.2.0 (src/funnel_report.c): open windows counted as
-- in progress, and step labels in funnel_steps.

-- funnel(funnel_path, as_of): a customer whose chain stopped at step k <
-- n while its window (from its step 1) is still open at as_of is counted
-- in progress at step k.  A NULL path is skipped; a NULL as_of is an
-- error, so the transition is not strict.
CREATE FUNCTION funnel_add_path_as_of(funnel, funnel_path, timestamptz) RETURNS funnel
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE funnel(funnel_path, as_of timestamptz) (
    SFUNC = funnel_add_path_as_of, STYPE = funnel, COMBINEFUNC = funnel_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE funnel(funnel_path, timestamptz)
    IS 'roll customers'' funnel paths up into a funnel, counting open windows at as_of as in progress';

CREATE FUNCTION funnel_steps(funnel, labels text[],
        OUT step integer, OUT label text, OUT customers bigint, OUT in_progress bigint,
        OUT conversion_from_start double precision, OUT conversion_from_previous double precision,
        OUT dropped bigint,
        OUT median_from_previous interval, OUT median_from_previous_seconds double precision,
        OUT p90_from_previous interval, OUT p90_from_previous_seconds double precision,
        OUT median_from_start interval, OUT median_from_start_seconds double precision)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'funnel_steps_labels' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION funnel_steps(funnel, text[])
    IS 'funnel_steps with label = labels[step] (one label per step)';

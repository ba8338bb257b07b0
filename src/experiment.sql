-- experiments and drivers: A/B tests, holdouts and conversion drivers
-- (src/experiment.c, src/drivers.c, src/stats_math.c)

CREATE TYPE experiment;

CREATE FUNCTION experiment_in(cstring) RETURNS experiment
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION experiment_out(experiment) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION experiment_recv(internal) RETURNS experiment
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION experiment_send(experiment) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE experiment (
    INPUT = experiment_in,
    OUTPUT = experiment_out,
    RECEIVE = experiment_recv,
    SEND = experiment_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE experiment IS 'an A/B test: per variant, units, conversions and exact sums of a value and a pre-period value';

-- Transitions (not strict: a NULL variant ignores the row, a NULL
-- converted is not converted, a NULL value or pre_value counts as 0).
CREATE FUNCTION experiment_add(experiment, text, boolean) RETURNS experiment
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION experiment_add(experiment, text, boolean, double precision) RETURNS experiment
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION experiment_add(experiment, text, boolean, double precision, double precision) RETURNS experiment
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION experiment_merge(experiment, experiment) RETURNS experiment
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE experiment_agg(variant text, converted boolean) (
    SFUNC = experiment_add,
    STYPE = experiment,
    COMBINEFUNC = experiment_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE experiment_agg(text, boolean) IS 'an A/B test over its units (one row per unit): units and conversions per variant';
CREATE AGGREGATE experiment_agg(variant text, converted boolean, value double precision) (
    SFUNC = experiment_add,
    STYPE = experiment,
    COMBINEFUNC = experiment_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE experiment_agg(text, boolean, double precision) IS 'an A/B test over its units (one row per unit): units, conversions and a value per variant';
CREATE AGGREGATE experiment_agg(variant text, converted boolean, value double precision, pre_value double precision) (
    SFUNC = experiment_add,
    STYPE = experiment,
    COMBINEFUNC = experiment_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE experiment_agg(text, boolean, double precision, double precision) IS 'an A/B test over its units (one row per unit): units, conversions, a value and its pre-period value (CUPED) per variant';

CREATE AGGREGATE rollup(experiment) (
    SFUNC = experiment_merge,
    STYPE = experiment,
    COMBINEFUNC = experiment_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rollup(experiment) IS 'merge experiment values, e.g. days or shards into a whole';

CREATE FUNCTION experiment_report(e experiment, control text, alpha double precision DEFAULT 0.05,
    OUT variant text, OUT n bigint, OUT conversions bigint, OUT rate double precision,
    OUT lift double precision, OUT diff_ci_low double precision, OUT diff_ci_high double precision,
    OUT z double precision, OUT p_value double precision, OUT mean_value double precision,
    OUT value_diff double precision, OUT value_p_value double precision,
    OUT cuped_value_diff double precision, OUT cuped_value_p_value double precision)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 3;
COMMENT ON FUNCTION experiment_report(experiment, text, double precision) IS 'each variant against the control: two-proportion z-test, Wald interval, Welch t-test on the value, CUPED';

CREATE FUNCTION sample_size(baseline_rate double precision, min_detectable_lift double precision,
    alpha double precision DEFAULT 0.05, power double precision DEFAULT 0.8) RETURNS bigint
    AS 'MODULE_PATHNAME', 'experiment_sample_size' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION sample_size(double precision, double precision, double precision, double precision) IS 'units per arm to detect a relative lift of a conversion rate (two-sided two-proportion z-test)';

CREATE FUNCTION assign_variant(unit_key text, salt text, weights double precision[]) RETURNS integer
    AS 'MODULE_PATHNAME', 'experiment_assign_variant' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION assign_variant(text, text, double precision[]) IS 'the arm (1-based) of a unit: SHA-256 of salt || '':'' || unit_key against the cumulative weights';

-- conversion drivers

CREATE TYPE drivers;

CREATE FUNCTION drivers_in(cstring) RETURNS drivers
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION drivers_out(drivers) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION drivers_recv(internal) RETURNS drivers
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION drivers_send(drivers) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE drivers (
    INPUT = drivers_in,
    OUTPUT = drivers_out,
    RECEIVE = drivers_recv,
    SEND = drivers_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE drivers IS 'conversion drivers: customers and conversions in total and per feature';

-- Transition (not strict: a NULL converted is not converted, NULL
-- features are none).
CREATE FUNCTION drivers_add(drivers, boolean, text[]) RETURNS drivers
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION drivers_merge(drivers, drivers) RETURNS drivers
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE driver_agg(converted boolean, features text[]) (
    SFUNC = drivers_add,
    STYPE = drivers,
    COMBINEFUNC = drivers_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE driver_agg(boolean, text[]) IS 'conversion drivers over customers (one row per customer with the features it has)';

CREATE AGGREGATE rollup(drivers) (
    SFUNC = drivers_merge,
    STYPE = drivers,
    COMBINEFUNC = drivers_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rollup(drivers) IS 'merge drivers values';

CREATE FUNCTION driver_report(d drivers, min_customers integer DEFAULT 30, alpha double precision DEFAULT 0.05,
    OUT feature text, OUT with_feature bigint, OUT converted_with bigint,
    OUT without_feature bigint, OUT converted_without bigint,
    OUT odds_ratio double precision, OUT odds_ratio_ci_low double precision,
    OUT odds_ratio_ci_high double precision, OUT phi double precision,
    OUT p_value double precision, OUT test text)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'drivers_report' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION driver_report(drivers, integer, double precision) IS 'per feature: conversion with and without it, odds ratio (Woolf interval), phi, Fisher or chi-square p-value; a correlation, not a cause';

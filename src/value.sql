-- value: revenue per period since a customer's origin (value_periods),
-- revenue curves and payback per cohort (cohort_value), and the forms of
-- active_periods and value_periods with as_of over stored journeys
-- (src/value.c, src/timeline_analysis.c).

-- value_periods: per customer, the exact revenue of each observed period.
-- The state is internal (per-customer aggregate), serialized for parallel plans.
CREATE FUNCTION value_periods_trans(internal, timestamptz, numeric, timestamptz, interval, integer)
    RETURNS internal AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION value_periods_trans_as_of(internal, timestamptz, numeric, timestamptz, interval, integer, timestamptz)
    RETURNS internal AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION value_periods_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION value_periods_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION value_periods_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION value_periods_final(internal) RETURNS numeric[]
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE value_periods(ts timestamptz, amount numeric, origin timestamptz,
                               period interval, periods integer) (
    SFUNC = value_periods_trans, STYPE = internal, FINALFUNC = value_periods_final,
    COMBINEFUNC = value_periods_combine, SERIALFUNC = value_periods_serialize,
    DESERIALFUNC = value_periods_deserialize, PARALLEL = SAFE
);
COMMENT ON AGGREGATE value_periods(timestamptz, numeric, timestamptz, interval, integer)
    IS 'element k+1: the exact sum of the amounts with origin + k*period <= ts < origin + (k+1)*period';
CREATE AGGREGATE value_periods(ts timestamptz, amount numeric, origin timestamptz,
                               period interval, periods integer, as_of timestamptz) (
    SFUNC = value_periods_trans_as_of, STYPE = internal, FINALFUNC = value_periods_final,
    COMBINEFUNC = value_periods_combine, SERIALFUNC = value_periods_serialize,
    DESERIALFUNC = value_periods_deserialize, PARALLEL = SAFE
);
COMMENT ON AGGREGATE value_periods(timestamptz, numeric, timestamptz, interval, integer, timestamptz)
    IS 'as value_periods(ts, amount, origin, period, periods), one element per period ending by as_of';

-- cohort_value: per period, customers observed and paying, revenue and
-- cumulative revenue, exact; a concrete mergeable value.
CREATE TYPE cohort_value;
CREATE FUNCTION cohort_value_in(cstring) RETURNS cohort_value
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cohort_value_out(cohort_value) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cohort_value_recv(internal) RETURNS cohort_value
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cohort_value_send(cohort_value) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE cohort_value (
    INPUT = cohort_value_in,
    OUTPUT = cohort_value_out,
    RECEIVE = cohort_value_recv,
    SEND = cohort_value_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE cohort_value
    IS 'per period of a cohort: customers observed, paying, revenue and cumulative revenue, exact';
CREATE FUNCTION cohort_value_add(cohort_value, numeric[]) RETURNS cohort_value
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION cohort_value_merge(cohort_value, cohort_value) RETURNS cohort_value
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE AGGREGATE cohort_value(vals numeric[]) (
    SFUNC = cohort_value_add, STYPE = cohort_value,
    COMBINEFUNC = cohort_value_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE cohort_value(numeric[])
    IS 'roll customers'' value_periods arrays up into a cohort''s revenue per period';
CREATE AGGREGATE rollup(cohort_value) (
    SFUNC = cohort_value_merge, STYPE = cohort_value,
    COMBINEFUNC = cohort_value_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE rollup(cohort_value) IS 'merge cohort_value values, e.g. cohorts into a total';
CREATE FUNCTION cohort_size(cohort_value) RETURNS bigint
    AS 'MODULE_PATHNAME', 'cohort_value_customers' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cohort_value_matrix(cv cohort_value, OUT period integer, OUT observed bigint,
                                    OUT paying bigint, OUT revenue numeric,
                                    OUT revenue_per_customer numeric, OUT cumulative_per_customer numeric)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'cohort_value_matrix' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 12;
COMMENT ON FUNCTION cohort_value_matrix(cohort_value)
    IS 'one row per period: customers observed and paying, revenue, per observed customer, and cumulative per customer observed in it';
CREATE FUNCTION payback_period(cv cohort_value, acquisition_cost numeric, margin double precision)
    RETURNS integer
    AS 'MODULE_PATHNAME', 'cohort_value_payback' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION payback_period(cohort_value, numeric, double precision)
    IS 'the first period whose cumulative revenue per customer times margin covers acquisition_cost; NULL if none yet';

-- over stored journeys
CREATE FUNCTION active_periods(j journey, active_labels text[], origin timestamptz,
                               period interval, periods integer, as_of timestamptz) RETURNS bit varying
    AS 'MODULE_PATHNAME', 'journey_active_periods' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION active_periods(journey, text[], timestamptz, interval, integer, timestamptz)
    IS 'as active_periods(j, active_labels, origin, period, periods), only the periods ending by as_of';
CREATE FUNCTION value_periods(j journey, label text, origin timestamptz, period interval, periods integer)
    RETURNS numeric[]
    AS 'MODULE_PATHNAME', 'journey_value_periods' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION value_periods(journey, text, timestamptz, interval, integer)
    IS 'revenue per period from the amounts of a journey''s label events, as the value_periods aggregate';
CREATE FUNCTION value_periods(j journey, label text, origin timestamptz, period interval, periods integer,
                              as_of timestamptz)
    RETURNS numeric[]
    AS 'MODULE_PATHNAME', 'journey_value_periods' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION value_periods(journey, text, timestamptz, interval, integer, timestamptz)
    IS 'as value_periods(j, label, origin, period, periods), one element per period ending by as_of';

-- unit economics: exact sums over acquired units (src/unit_economics.c)

CREATE TYPE unit_economics;

CREATE FUNCTION unit_economics_in(cstring) RETURNS unit_economics
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION unit_economics_out(unit_economics) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION unit_economics_recv(internal) RETURNS unit_economics
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION unit_economics_send(unit_economics) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE unit_economics (
    INPUT = unit_economics_in,
    OUTPUT = unit_economics_out,
    RECEIVE = unit_economics_recv,
    SEND = unit_economics_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE unit_economics IS 'exact sums over acquired units: units, buyers, purchases, revenue, cost, acquisition cost';

-- Transition (not strict: NULL revenue/cost/purchases count as 0, a NULL
-- acquisition cost is unknown).
CREATE FUNCTION unit_economics_add(unit_economics, numeric, numeric, bigint, numeric)
    RETURNS unit_economics
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION unit_economics_merge(unit_economics, unit_economics) RETURNS unit_economics
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ltv_per_unit(unit_economics) RETURNS numeric
    AS 'MODULE_PATHNAME', 'unit_economics_ltv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ltv_per_unit(unit_economics) IS 'lifetime gross margin per acquired unit: (revenue - cost) / units';

CREATE AGGREGATE unit_economics(revenue numeric, cost numeric, purchases bigint, acquisition_cost numeric) (
    SFUNC = unit_economics_add,
    STYPE = unit_economics,
    COMBINEFUNC = unit_economics_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE unit_economics(numeric, numeric, bigint, numeric) IS 'unit economics of the acquired units (one row per unit)';

CREATE AGGREGATE ltv_per_unit(revenue numeric, cost numeric, purchases bigint, acquisition_cost numeric) (
    SFUNC = unit_economics_add,
    STYPE = unit_economics,
    FINALFUNC = ltv_per_unit,
    COMBINEFUNC = unit_economics_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE ltv_per_unit(numeric, numeric, bigint, numeric) IS 'lifetime gross margin per acquired unit: (sum revenue - sum cost) / units';

CREATE AGGREGATE rollup(unit_economics) (
    SFUNC = unit_economics_merge,
    STYPE = unit_economics,
    COMBINEFUNC = unit_economics_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rollup(unit_economics) IS 'merge unit_economics values, e.g. channels into a total';

CREATE FUNCTION unit_economics_report(unit_economics, OUT metric text, OUT value numeric)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 22;
COMMENT ON FUNCTION unit_economics_report(unit_economics) IS 'every unit-economics figure as (metric, value) rows; a ratio over zero is NULL';

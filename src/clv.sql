-- predictive CLV: clv_inputs, BG/NBD and Gamma-Gamma fits, predictions
-- (src/clv_inputs.c, src/clv_fit.c, src/clv_math.c)

-- A customer's transactions summarized for the models.
CREATE TYPE clv_inputs AS (frequency integer, recency double precision, t double precision, monetary numeric);
COMMENT ON TYPE clv_inputs IS 'BG/NBD inputs of one customer: repeat purchase periods, recency and age in periods, mean repeat spend';

CREATE FUNCTION clv_inputs_add(internal, timestamptz, numeric, timestamptz, interval) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clv_inputs_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clv_inputs_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clv_inputs_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clv_inputs_final(internal) RETURNS clv_inputs
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE clv_inputs(ts timestamptz, amount numeric, observation_end timestamptz, period interval) (
    SFUNC = clv_inputs_add,
    STYPE = internal,
    FINALFUNC = clv_inputs_final,
    FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = clv_inputs_combine,
    SERIALFUNC = clv_inputs_serialize,
    DESERIALFUNC = clv_inputs_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clv_inputs(timestamptz, numeric, timestamptz, interval) IS 'one customer''s (frequency, recency, t, monetary), periods anchored on the first purchase';

-- The same for timestamp without time zone (e.g. dates): no daylight-saving
-- hour, so a '1 day' period is a calendar day.
CREATE FUNCTION clv_inputs_add(internal, timestamp, numeric, timestamp, interval) RETURNS internal
    AS 'MODULE_PATHNAME', 'clv_inputs_add' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE clv_inputs(ts timestamp, amount numeric, observation_end timestamp, period interval) (
    SFUNC = clv_inputs_add,
    STYPE = internal,
    FINALFUNC = clv_inputs_final,
    FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = clv_inputs_combine,
    SERIALFUNC = clv_inputs_serialize,
    DESERIALFUNC = clv_inputs_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clv_inputs(timestamp, numeric, timestamp, interval) IS 'one customer''s (frequency, recency, t, monetary), periods anchored on the first purchase';

-- The fitted model.
CREATE TYPE clv_model;
CREATE FUNCTION clv_model_in(cstring) RETURNS clv_model
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clv_model_out(clv_model) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clv_model_recv(internal) RETURNS clv_model
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clv_model_send(clv_model) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE clv_model (
    INPUT = clv_model_in,
    OUTPUT = clv_model_out,
    RECEIVE = clv_model_recv,
    SEND = clv_model_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE clv_model IS 'a BG/NBD (r, alpha, a, b) or Gamma-Gamma (p, q, gamma) model, with log-likelihood and n when fitted';

-- The fits' state: distinct customer tuples with multiplicities (bounded).
CREATE TYPE clv_data;
CREATE FUNCTION clv_data_in(cstring) RETURNS clv_data
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clv_data_out(clv_data) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clv_data_recv(internal) RETURNS clv_data
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clv_data_send(clv_data) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE clv_data (
    INPUT = clv_data_in,
    OUTPUT = clv_data_out,
    RECEIVE = clv_data_recv,
    SEND = clv_data_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE clv_data IS 'state of bgnbd_fit/gamma_gamma_fit: distinct customer tuples with counts, at most 32768 (then gridded)';

-- Transitions (not strict: a row with a NULL is skipped) and the merge.
CREATE FUNCTION clv_data_add_bgnbd(clv_data, double precision, double precision, double precision) RETURNS clv_data
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clv_data_add_gg(clv_data, double precision, double precision) RETURNS clv_data
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clv_data_merge(clv_data, clv_data) RETURNS clv_data
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clv_fit(clv_data) RETURNS clv_model
    AS 'MODULE_PATHNAME', 'clv_data_fit' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clv_fit(clv_data) IS 'maximum-likelihood fit of the model the data were collected for';

CREATE AGGREGATE bgnbd_fit(frequency double precision, recency double precision, t double precision) (
    SFUNC = clv_data_add_bgnbd,
    STYPE = clv_data,
    FINALFUNC = clv_fit,
    COMBINEFUNC = clv_data_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE bgnbd_fit(double precision, double precision, double precision) IS 'maximum-likelihood BG/NBD fit over customers (frequency, recency, t)';

CREATE AGGREGATE gamma_gamma_fit(frequency double precision, monetary double precision) (
    SFUNC = clv_data_add_gg,
    STYPE = clv_data,
    FINALFUNC = clv_fit,
    COMBINEFUNC = clv_data_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE gamma_gamma_fit(double precision, double precision) IS 'maximum-likelihood Gamma-Gamma fit over repeat buyers (frequency, mean spend)';

-- The collected data themselves (to store partial fits or ship them).
CREATE AGGREGATE bgnbd_data(frequency double precision, recency double precision, t double precision) (
    SFUNC = clv_data_add_bgnbd,
    STYPE = clv_data,
    COMBINEFUNC = clv_data_merge,
    PARALLEL = SAFE
);
CREATE AGGREGATE gamma_gamma_data(frequency double precision, monetary double precision) (
    SFUNC = clv_data_add_gg,
    STYPE = clv_data,
    COMBINEFUNC = clv_data_merge,
    PARALLEL = SAFE
);
CREATE AGGREGATE rollup(clv_data) (
    SFUNC = clv_data_merge,
    STYPE = clv_data,
    COMBINEFUNC = clv_data_merge,
    PARALLEL = SAFE
);

-- Readers and predictions.  Not strict: a NULL model is an error, any
-- other NULL argument gives NULL.
CREATE FUNCTION clv_params(clv_model, OUT name text, OUT value double precision, OUT converged boolean)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'clv_model_params' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 9;
COMMENT ON FUNCTION clv_params(clv_model) IS 'the model''s parameters, log-likelihood, n, grid, iterations and gradient norm; converged says whether the fit reached an interior maximum';

CREATE FUNCTION expected_purchases(model clv_model, horizon double precision, frequency double precision,
                                   recency double precision, t double precision) RETURNS double precision
    AS 'MODULE_PATHNAME', 'clv_expected_purchases' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION expected_purchases(clv_model, double precision, double precision, double precision, double precision)
    IS 'BG/NBD expected purchases in the next horizon periods of a customer (frequency, recency, t)';

CREATE FUNCTION probability_alive(model clv_model, frequency double precision, recency double precision,
                                  t double precision) RETURNS double precision
    AS 'MODULE_PATHNAME', 'clv_probability_alive' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION probability_alive(clv_model, double precision, double precision, double precision)
    IS 'BG/NBD probability that the customer is still alive at t';

CREATE FUNCTION expected_avg_value(model clv_model, frequency double precision, monetary double precision)
    RETURNS double precision
    AS 'MODULE_PATHNAME', 'clv_expected_avg_value' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION expected_avg_value(clv_model, double precision, double precision)
    IS 'Gamma-Gamma conditional expected mean spend per purchase';

CREATE FUNCTION customer_lifetime_value(bgnbd clv_model, gamma_gamma clv_model, frequency double precision,
                                        recency double precision, t double precision, monetary double precision,
                                        horizon_periods integer, discount_rate double precision)
    RETURNS double precision
    AS 'MODULE_PATHNAME', 'clv_customer_lifetime_value' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION customer_lifetime_value(clv_model, clv_model, double precision, double precision, double precision,
                                            double precision, integer, double precision)
    IS 'discounted expected value of the next horizon_periods periods (BG/NBD x Gamma-Gamma)';

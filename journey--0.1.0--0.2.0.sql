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

-- rfm

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

-- outreach

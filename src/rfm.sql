-- rfm: recency/frequency/monetary scores (src/rfm.c, src/rfm_score.c)

CREATE TYPE rfm;

CREATE FUNCTION rfm_in(cstring) RETURNS rfm
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_out(rfm) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_recv(internal) RETURNS rfm
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_send(rfm) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE rfm (
    INPUT = rfm_in,
    OUTPUT = rfm_out,
    RECEIVE = rfm_recv,
    SEND = rfm_send,
    INTERNALLENGTH = 4,
    PASSEDBYVALUE,
    ALIGNMENT = int4,
    STORAGE = plain
);
COMMENT ON TYPE rfm IS 'a customer''s recency, frequency and monetary scores (1..bins each, bins 2..9), e.g. ''543''';

CREATE CAST (rfm AS text) WITH INOUT AS ASSIGNMENT;

-- Constructor: not strict, so that a NULL bins is an error and a NULL
-- score gives NULL.
CREATE FUNCTION rfm(r integer, f integer, m integer, bins integer DEFAULT 5) RETURNS rfm
    AS 'MODULE_PATHNAME', 'rfm_make' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION recency_score(rfm) RETURNS integer
    AS 'MODULE_PATHNAME', 'rfm_recency_score' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION frequency_score(rfm) RETURNS integer
    AS 'MODULE_PATHNAME', 'rfm_frequency_score' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION monetary_score(rfm) RETURNS integer
    AS 'MODULE_PATHNAME', 'rfm_monetary_score' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_bins(rfm) RETURNS integer
    AS 'MODULE_PATHNAME', 'rfm_bins' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Ordering: by recency, frequency, monetary score, then bins.
CREATE FUNCTION rfm_cmp(rfm, rfm) RETURNS integer
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_eq(rfm, rfm) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION rfm_ne(rfm, rfm) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION rfm_lt(rfm, rfm) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION rfm_le(rfm, rfm) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION rfm_gt(rfm, rfm) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION rfm_ge(rfm, rfm) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION rfm_hash(rfm) RETURNS integer
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_hash_extended(rfm, bigint) RETURNS bigint
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR = (LEFTARG = rfm, RIGHTARG = rfm, FUNCTION = rfm_eq,
    COMMUTATOR = OPERATOR(=), NEGATOR = OPERATOR(<>),
    RESTRICT = pg_catalog.eqsel, JOIN = pg_catalog.eqjoinsel, HASHES, MERGES);
CREATE OPERATOR <> (LEFTARG = rfm, RIGHTARG = rfm, FUNCTION = rfm_ne,
    COMMUTATOR = OPERATOR(<>), NEGATOR = OPERATOR(=),
    RESTRICT = pg_catalog.neqsel, JOIN = pg_catalog.neqjoinsel);
CREATE OPERATOR < (LEFTARG = rfm, RIGHTARG = rfm, FUNCTION = rfm_lt,
    COMMUTATOR = OPERATOR(>), NEGATOR = OPERATOR(>=),
    RESTRICT = pg_catalog.scalarltsel, JOIN = pg_catalog.scalarltjoinsel);
CREATE OPERATOR <= (LEFTARG = rfm, RIGHTARG = rfm, FUNCTION = rfm_le,
    COMMUTATOR = OPERATOR(>=), NEGATOR = OPERATOR(>),
    RESTRICT = pg_catalog.scalarlesel, JOIN = pg_catalog.scalarlejoinsel);
CREATE OPERATOR > (LEFTARG = rfm, RIGHTARG = rfm, FUNCTION = rfm_gt,
    COMMUTATOR = OPERATOR(<), NEGATOR = OPERATOR(<=),
    RESTRICT = pg_catalog.scalargtsel, JOIN = pg_catalog.scalargtjoinsel);
CREATE OPERATOR >= (LEFTARG = rfm, RIGHTARG = rfm, FUNCTION = rfm_ge,
    COMMUTATOR = OPERATOR(<=), NEGATOR = OPERATOR(<),
    RESTRICT = pg_catalog.scalargesel, JOIN = pg_catalog.scalargejoinsel);

CREATE OPERATOR CLASS rfm_ops DEFAULT FOR TYPE rfm USING btree AS
    OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >,
    FUNCTION 1 rfm_cmp(rfm, rfm);
CREATE OPERATOR CLASS rfm_hash_ops DEFAULT FOR TYPE rfm USING hash AS
    OPERATOR 1 =,
    FUNCTION 1 rfm_hash(rfm),
    FUNCTION 2 rfm_hash_extended(rfm, bigint);

-- One pass: score each row against the other rows of its window
-- partition.  Frequency and monetary are double precision so integer,
-- bigint, numeric and real arguments all cast implicitly.  Not strict:
-- a NULL value gives a NULL score, a NULL bins is an error.
CREATE FUNCTION rfm_score(last_purchase timestamptz, frequency double precision,
                          monetary double precision) RETURNS rfm
    AS 'MODULE_PATHNAME', 'rfm_score_window' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION rfm_score(last_purchase timestamptz, frequency double precision,
                          monetary double precision, bins integer) RETURNS rfm
    AS 'MODULE_PATHNAME', 'rfm_score_window' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;

-- The reusable model: a population's value counts per dimension.
CREATE TYPE rfm_model;

CREATE FUNCTION rfm_model_in(cstring) RETURNS rfm_model
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_model_out(rfm_model) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_model_recv(internal) RETURNS rfm_model
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_model_send(rfm_model) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE rfm_model (
    INPUT = rfm_model_in,
    OUTPUT = rfm_model_out,
    RECEIVE = rfm_model_recv,
    SEND = rfm_model_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE rfm_model IS 'RFM cut points of a population: value counts per dimension, exact up to 4096 distinct values';

-- Transitions (not strict: NULL values skip the row, NULL bins is an error).
CREATE FUNCTION rfm_model_add(rfm_model, timestamptz, double precision, double precision) RETURNS rfm_model
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION rfm_model_add(rfm_model, timestamptz, double precision, double precision, integer) RETURNS rfm_model
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION rfm_model_merge(rfm_model, rfm_model) RETURNS rfm_model
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_model_final(rfm_model) RETURNS rfm_model
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE rfm_model(last_purchase timestamptz, frequency double precision, monetary double precision) (
    SFUNC = rfm_model_add,
    STYPE = rfm_model,
    FINALFUNC = rfm_model_final,
    COMBINEFUNC = rfm_model_merge,
    PARALLEL = SAFE
);
CREATE AGGREGATE rfm_model(last_purchase timestamptz, frequency double precision, monetary double precision,
                           bins integer) (
    SFUNC = rfm_model_add,
    STYPE = rfm_model,
    FINALFUNC = rfm_model_final,
    COMBINEFUNC = rfm_model_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rfm_model(timestamptz, double precision, double precision) IS 'RFM model of a population, 5 bins';
COMMENT ON AGGREGATE rfm_model(timestamptz, double precision, double precision, integer) IS 'RFM model of a population';

CREATE FUNCTION rfm_score(model rfm_model, last_purchase timestamptz, frequency double precision,
                          monetary double precision) RETURNS rfm
    AS 'MODULE_PATHNAME', 'rfm_model_score' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION rfm_bins(rfm_model) RETURNS integer
    AS 'MODULE_PATHNAME', 'rfm_model_bins' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_population(rfm_model) RETURNS bigint
    AS 'MODULE_PATHNAME', 'rfm_model_n' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_is_exact(rfm_model) RETURNS boolean
    AS 'MODULE_PATHNAME', 'rfm_model_is_exact' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_thresholds(rfm_model,
                               OUT dimension text, OUT score integer, OUT customers bigint,
                               OUT lower double precision, OUT upper double precision,
                               OUT lower_time timestamptz, OUT upper_time timestamptz)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'rfm_model_thresholds' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 15;

-- Named segments: the default map (see README) and a user map.
CREATE FUNCTION rfm_segment(rfm) RETURNS text
    AS 'MODULE_PATHNAME', 'rfm_segment_default' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rfm_segment(rfm, map jsonb) RETURNS text
    AS 'MODULE_PATHNAME', 'rfm_segment_map' LANGUAGE C IMMUTABLE PARALLEL SAFE;
-- The default map for 5 bins written as a user map, to copy and edit;
-- each rule carries a priority (1 = spend effort here first) and an
-- action (rfm_segment_actions).  Like every SQL function of the
-- extension, its search_path is fixed (sql/security.sql).
CREATE FUNCTION rfm_segment_map() RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    AS $map$ SELECT '[
  {"segment": "Champions",           "r": [4, 5], "fm": [4, 5], "priority": 3,
   "action": "Reward them: early access, referrals, reviews; no discounts needed"},
  {"segment": "Loyal Customers",     "r": [3, 5], "fm": [3, 5], "priority": 4,
   "action": "Upsell higher tiers, loyalty programme, ask for reviews"},
  {"segment": "Can''t Lose Them",     "r": [1, 1], "fm": [4, 5], "priority": 1,
   "action": "Win them back personally: call, renewal offer, find out what went wrong"},
  {"segment": "At Risk",             "r": [1, 2], "fm": [3, 5], "priority": 2,
   "action": "Personal reactivation: tailored offer, reminder of what they used"},
  {"segment": "Potential Loyalists", "r": [4, 5], "fm": [2, 3], "priority": 5,
   "action": "Membership or loyalty offer, recommend the next product"},
  {"segment": "Need Attention",      "r": [3, 3], "fm": [2, 3], "priority": 6,
   "action": "Limited-time offer based on their past purchases"},
  {"segment": "New Customers",       "r": [5, 5], "fm": [1, 2], "priority": 7,
   "action": "Onboarding: help them to a first success, then a second purchase"},
  {"segment": "Promising",           "r": [3, 4], "fm": [1, 2], "priority": 8,
   "action": "Build awareness: free trial, content, a small incentive"},
  {"segment": "About To Sleep",      "r": [2, 2], "fm": [2, 3], "priority": 9,
   "action": "Reconnect with popular products and useful content"},
  {"segment": "Hibernating",         "r": [2, 2], "fm": [1, 2], "priority": 10,
   "action": "Low-cost automated campaign; relevant products, special price"},
  {"segment": "Lost",                "r": [1, 1], "fm": [1, 3], "priority": 11,
   "action": "Do not spend effort beyond one automated win-back"}
]'::pg_catalog.jsonb $map$;

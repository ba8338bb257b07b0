-- paths: what customers did next — next_event, path trees for Sankey
-- charts (src/next_event.c, src/path_tree.c)

-- next_event and path_agg keep the group's events (internal state), sorted
-- once by the final function in journey order (ts, label in byte order,
-- base events first); sorting leaves the same events, so the final
-- functions are READ_ONLY.  Transitions are not strict: rows with a NULL
-- or infinite ts or a NULL label are skipped, a NULL base is false.
CREATE FUNCTION next_event_trans(internal, timestamptz, text, boolean) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION next_event_trans(internal, timestamptz, text, boolean, text) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION next_event_trans(internal, timestamptz, text, boolean, text, integer) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION next_event_trans(internal, timestamp, text, boolean) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION next_event_trans(internal, timestamp, text, boolean, text) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION next_event_trans(internal, timestamp, text, boolean, text, integer) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION path_agg_trans(internal, timestamptz, text, boolean, integer) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION path_agg_trans(internal, timestamptz, text, boolean, integer, interval) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION path_agg_trans(internal, timestamp, text, boolean, integer) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION path_agg_trans(internal, timestamp, text, boolean, integer, interval) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION path_rows_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION path_rows_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION path_rows_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION next_event_final(internal) RETURNS text
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE next_event(ts timestamptz, label text, base boolean) (
    SFUNC = next_event_trans, STYPE = internal, SSPACE = 256,
    FINALFUNC = next_event_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = path_rows_combine, SERIALFUNC = path_rows_serialize,
    DESERIALFUNC = path_rows_deserialize, PARALLEL = SAFE
);
CREATE AGGREGATE next_event(ts timestamptz, label text, base boolean, direction text) (
    SFUNC = next_event_trans, STYPE = internal, SSPACE = 256,
    FINALFUNC = next_event_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = path_rows_combine, SERIALFUNC = path_rows_serialize,
    DESERIALFUNC = path_rows_deserialize, PARALLEL = SAFE
);
CREATE AGGREGATE next_event(ts timestamptz, label text, base boolean, direction text, k integer) (
    SFUNC = next_event_trans, STYPE = internal, SSPACE = 256,
    FINALFUNC = next_event_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = path_rows_combine, SERIALFUNC = path_rows_serialize,
    DESERIALFUNC = path_rows_deserialize, PARALLEL = SAFE
);
CREATE AGGREGATE next_event(ts timestamp, label text, base boolean) (
    SFUNC = next_event_trans, STYPE = internal, SSPACE = 256,
    FINALFUNC = next_event_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = path_rows_combine, SERIALFUNC = path_rows_serialize,
    DESERIALFUNC = path_rows_deserialize, PARALLEL = SAFE
);
CREATE AGGREGATE next_event(ts timestamp, label text, base boolean, direction text) (
    SFUNC = next_event_trans, STYPE = internal, SSPACE = 256,
    FINALFUNC = next_event_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = path_rows_combine, SERIALFUNC = path_rows_serialize,
    DESERIALFUNC = path_rows_deserialize, PARALLEL = SAFE
);
CREATE AGGREGATE next_event(ts timestamp, label text, base boolean, direction text, k integer) (
    SFUNC = next_event_trans, STYPE = internal, SSPACE = 256,
    FINALFUNC = next_event_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = path_rows_combine, SERIALFUNC = path_rows_serialize,
    DESERIALFUNC = path_rows_deserialize, PARALLEL = SAFE
);
COMMENT ON AGGREGATE next_event(timestamptz, text, boolean)
    IS 'the label of the event after the first base event (ties: label in byte order, base first)';
COMMENT ON AGGREGATE next_event(timestamptz, text, boolean, text, integer)
    IS 'the label of the k-th event after (forward) or before (backward) the first base event';

-- Over a stored journey: not strict (a NULL direction or k is an error);
-- a NULL journey or base label gives NULL.
CREATE FUNCTION next_event(j journey, base_label text, direction text DEFAULT 'forward', k integer DEFAULT 1)
    RETURNS text
    AS 'MODULE_PATHNAME', 'journey_next_event' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION next_event(journey, text, text, integer)
    IS 'the label of the k-th event after (forward) or before (backward) the first base_label event';

-- path_tree: per step, customers per label; per transition, customers and
-- the gap between the steps (a durations sketch); at most 16 labels per
-- step kept, the others folded into (other) with exact totals
CREATE TYPE path_tree;

CREATE FUNCTION path_tree_in(cstring) RETURNS path_tree
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION path_tree_out(path_tree) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION path_tree_recv(internal) RETURNS path_tree
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION path_tree_send(path_tree) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE path_tree (
    INPUT = path_tree_in,
    OUTPUT = path_tree_out,
    RECEIVE = path_tree_recv,
    SEND = path_tree_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = int4,
    STORAGE = extended
);
COMMENT ON TYPE path_tree IS 'customers'' paths as a Sankey chart draws them: customers per label per step and per transition, with gap distributions; bounded';

CREATE FUNCTION path_agg_final(internal) RETURNS path_tree
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE path_agg(ts timestamptz, label text, start boolean, steps integer) (
    SFUNC = path_agg_trans, STYPE = internal, SSPACE = 256,
    FINALFUNC = path_agg_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = path_rows_combine, SERIALFUNC = path_rows_serialize,
    DESERIALFUNC = path_rows_deserialize, PARALLEL = SAFE
);
CREATE AGGREGATE path_agg(ts timestamptz, label text, start boolean, steps integer, session_gap interval) (
    SFUNC = path_agg_trans, STYPE = internal, SSPACE = 256,
    FINALFUNC = path_agg_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = path_rows_combine, SERIALFUNC = path_rows_serialize,
    DESERIALFUNC = path_rows_deserialize, PARALLEL = SAFE
);
CREATE AGGREGATE path_agg(ts timestamp, label text, start boolean, steps integer) (
    SFUNC = path_agg_trans, STYPE = internal, SSPACE = 256,
    FINALFUNC = path_agg_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = path_rows_combine, SERIALFUNC = path_rows_serialize,
    DESERIALFUNC = path_rows_deserialize, PARALLEL = SAFE
);
CREATE AGGREGATE path_agg(ts timestamp, label text, start boolean, steps integer, session_gap interval) (
    SFUNC = path_agg_trans, STYPE = internal, SSPACE = 256,
    FINALFUNC = path_agg_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = path_rows_combine, SERIALFUNC = path_rows_serialize,
    DESERIALFUNC = path_rows_deserialize, PARALLEL = SAFE
);
COMMENT ON AGGREGATE path_agg(timestamptz, text, boolean, integer)
    IS 'one customer''s path: the first steps labels from the first start event, repeats folded';
COMMENT ON AGGREGATE path_agg(timestamptz, text, boolean, integer, interval)
    IS 'one customer''s path: the first steps labels from the first start event, repeats folded, ended by a session gap';

-- Over a stored journey: not strict (NULL steps or session_gap is an
-- error); a NULL journey or start label gives NULL.
CREATE FUNCTION path_agg(j journey, start_label text, steps integer) RETURNS path_tree
    AS 'MODULE_PATHNAME', 'journey_path_agg' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION path_agg(j journey, start_label text, steps integer, session_gap interval) RETURNS path_tree
    AS 'MODULE_PATHNAME', 'journey_path_agg' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION path_agg(journey, text, integer)
    IS 'a stored journey''s path from its first start_label event';
COMMENT ON FUNCTION path_agg(journey, text, integer, interval)
    IS 'a stored journey''s path from its first start_label event, ended by a session gap';

-- Merge of two trees: the transition and combine function of the roll-ups
-- (the state is updated in place) and a plain function.
CREATE FUNCTION path_tree_merge(path_tree, path_tree) RETURNS path_tree
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE rollup(path_tree) (
    SFUNC = path_tree_merge, STYPE = path_tree,
    COMBINEFUNC = path_tree_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE rollup(path_tree) IS 'merge path trees, e.g. customers into a Sankey chart';
CREATE AGGREGATE path_tree(path_tree) (
    SFUNC = path_tree_merge, STYPE = path_tree,
    COMBINEFUNC = path_tree_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE path_tree(path_tree) IS 'merge path trees (the same as rollup)';

-- Readers.  path_edges: one row per transition shown (not strict: a NULL
-- tree gives no row, a NULL top is an error).
CREATE FUNCTION path_edges(tree path_tree, top integer DEFAULT 10,
                           OUT depth integer, OUT from_label text, OUT to_label text,
                           OUT customers bigint, OUT share double precision,
                           OUT median_gap interval, OUT median_gap_seconds double precision)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'path_tree_edges' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 50;
COMMENT ON FUNCTION path_edges(path_tree, integer)
    IS 'the transitions of a path tree for a Sankey chart: the top labels per step, the rest as (other)';
CREATE FUNCTION path_nodes(tree path_tree, top integer DEFAULT 10,
                           OUT step integer, OUT label text, OUT customers bigint,
                           OUT share double precision, OUT ended bigint)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'path_tree_nodes' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 50;
COMMENT ON FUNCTION path_nodes(path_tree, integer)
    IS 'the labels of a path tree per step: customers, share of all paths, paths ending there';
CREATE FUNCTION num_paths(path_tree) RETURNS bigint
    AS 'MODULE_PATHNAME', 'path_tree_num_paths' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION num_paths(path_tree) IS 'the number of customers'' paths in a path tree';
CREATE FUNCTION path_steps(path_tree) RETURNS integer
    AS 'MODULE_PATHNAME', 'path_tree_depth' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION path_steps(path_tree) IS 'the number of steps of the longest path in a path tree';

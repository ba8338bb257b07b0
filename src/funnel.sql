-- funnels (src/funnel.c, src/funnel_report.c): funnel_step, funnel_path,
-- the funnel_path and funnel types, funnel_steps

-- The per-customer search (ClickHouse windowFunnel).  One transition for
-- every overload; a NULL window or mode is an error, so it is not strict.
CREATE FUNCTION funnel_transfn(internal, timestamptz, interval, boolean[]) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamptz, interval, text, boolean[]) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamp, interval, boolean[]) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamp, interval, text, boolean[]) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION funnel_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION funnel_step_final(internal) RETURNS integer
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE funnel_step(ts timestamptz, "window" interval, VARIADIC steps boolean[]) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_step(ts timestamptz, "window" interval, mode text, VARIADIC steps boolean[]) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_step(ts timestamp, "window" interval, VARIADIC steps boolean[]) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_step(ts timestamp, "window" interval, mode text, VARIADIC steps boolean[]) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE funnel_step(timestamptz, interval, VARIADIC boolean[])
    IS 'ClickHouse windowFunnel: the longest chain of steps 1..k in order within the window';
COMMENT ON AGGREGATE funnel_step(timestamptz, interval, text, VARIADIC boolean[])
    IS 'ClickHouse windowFunnel with options (strict_deduplication, strict_order, strict_increase, strict_once, allow_reentry)';

-- funnel_path: one customer's best chain
CREATE TYPE funnel_path;
CREATE FUNCTION funnel_path_in(cstring) RETURNS funnel_path
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION funnel_path_out(funnel_path) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION funnel_path_recv(internal) RETURNS funnel_path
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION funnel_path_send(funnel_path) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE funnel_path (
    INPUT = funnel_path_in,
    OUTPUT = funnel_path_out,
    RECEIVE = funnel_path_recv,
    SEND = funnel_path_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE funnel_path IS 'one customer''s funnel: steps reached and when each step of the best chain happened';

CREATE FUNCTION funnel_path_final(internal) RETURNS funnel_path
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
-- timestamp input: the times are converted as ts::timestamptz (session time zone)
CREATE FUNCTION funnel_path_final_ts(internal) RETURNS funnel_path
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE PARALLEL SAFE;

CREATE AGGREGATE funnel_path(ts timestamptz, "window" interval, VARIADIC steps boolean[]) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_path_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_path(ts timestamptz, "window" interval, mode text, VARIADIC steps boolean[]) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_path_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_path(ts timestamp, "window" interval, VARIADIC steps boolean[]) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_path_final_ts, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_path(ts timestamp, "window" interval, mode text, VARIADIC steps boolean[]) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_path_final_ts, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE funnel_path(timestamptz, interval, VARIADIC boolean[])
    IS 'funnel_step''s search, keeping when each step of the earliest-starting deepest chain happened';

CREATE FUNCTION steps(funnel_path) RETURNS integer
    AS 'MODULE_PATHNAME', 'funnel_path_steps' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION total_steps(funnel_path) RETURNS integer
    AS 'MODULE_PATHNAME', 'funnel_path_total_steps' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reached_at(funnel_path, step integer) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'funnel_path_reached_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION time_to_step(funnel_path, step integer) RETURNS interval
    AS 'MODULE_PATHNAME', 'funnel_path_time_to_step' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION time_between(funnel_path, from_step integer, to_step integer) RETURNS interval
    AS 'MODULE_PATHNAME', 'funnel_path_time_between' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- funnel: many customers' funnel, mergeable (its own type is the state)
CREATE TYPE funnel;
CREATE FUNCTION funnel_in(cstring) RETURNS funnel
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION funnel_out(funnel) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION funnel_recv(internal) RETURNS funnel
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION funnel_send(funnel) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE funnel (
    INPUT = funnel_in,
    OUTPUT = funnel_out,
    RECEIVE = funnel_recv,
    SEND = funnel_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE funnel IS 'customers reaching each funnel step and the time between steps, mergeable';

-- Transitions and merge handle NULLs themselves (a NULL path or level is
-- skipped, a NULL total_steps is an error): not strict.
CREATE FUNCTION funnel_add_path(funnel, funnel_path) RETURNS funnel
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_add_level(funnel, integer, integer) RETURNS funnel
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_merge(funnel, funnel) RETURNS funnel
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE funnel(funnel_path) (
    SFUNC = funnel_add_path, STYPE = funnel, COMBINEFUNC = funnel_merge, PARALLEL = SAFE
);
CREATE AGGREGATE funnel(steps_reached integer, total_steps integer) (
    SFUNC = funnel_add_level, STYPE = funnel, COMBINEFUNC = funnel_merge, PARALLEL = SAFE
);
CREATE AGGREGATE rollup(funnel) (
    SFUNC = funnel_merge, STYPE = funnel, COMBINEFUNC = funnel_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE funnel(funnel_path) IS 'roll customers'' funnel paths up into a funnel with times between steps';
COMMENT ON AGGREGATE funnel(integer, integer) IS 'roll customers'' funnel levels (e.g. funnel_step results) up into a funnel';
COMMENT ON AGGREGATE rollup(funnel) IS 'merge funnels, e.g. channels into a whole';

CREATE FUNCTION funnel_steps(funnel,
        OUT step integer, OUT label text, OUT customers bigint, OUT in_progress bigint,
        OUT conversion_from_start double precision, OUT conversion_from_previous double precision,
        OUT dropped bigint,
        OUT median_from_previous interval, OUT median_from_previous_seconds double precision,
        OUT p90_from_previous interval, OUT p90_from_previous_seconds double precision,
        OUT median_from_start interval, OUT median_from_start_seconds double precision)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'funnel_steps' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION funnel_steps(funnel)
    IS 'one row per step: customers, in progress (funnel with as_of), conversion, drop-off, times between steps (interval and seconds); label is NULL (see funnel_steps(funnel, text[]))';
CREATE FUNCTION step_durations(funnel, step integer, from_start boolean DEFAULT false) RETURNS durations
    AS 'MODULE_PATHNAME', 'funnel_step_durations' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION num_customers(funnel) RETURNS bigint
    AS 'MODULE_PATHNAME', 'funnel_num_customers' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

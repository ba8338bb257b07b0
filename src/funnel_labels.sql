-- funnel, the label form (new in 0.2.0): step k matches the rows whose label is steps[k], compared
-- in C (no boolean expression per step per row); otherwise the same
-- aggregates as funnel_step(ts, window, [mode,] VARIADIC boolean[]) with
-- step k = (label = steps[k]).  A NULL label ignores the row; a NULL steps
-- array or step label is an error, like a NULL window or mode.
CREATE FUNCTION funnel_transfn(internal, timestamptz, interval, text, text[]) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_labels' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamptz, interval, text, text[], text) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_labels' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamp, interval, text, text[]) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_labels' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION funnel_transfn(internal, timestamp, interval, text, text[], text) RETURNS internal
    AS 'MODULE_PATHNAME', 'funnel_transfn_labels' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE funnel_step(ts timestamptz, "window" interval, label text, steps text[]) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_step(ts timestamptz, "window" interval, label text, steps text[], mode text) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_step(ts timestamp, "window" interval, label text, steps text[]) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_step(ts timestamp, "window" interval, label text, steps text[], mode text) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_step_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_path(ts timestamptz, "window" interval, label text, steps text[]) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_path_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_path(ts timestamptz, "window" interval, label text, steps text[], mode text) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_path_final, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_path(ts timestamp, "window" interval, label text, steps text[]) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_path_final_ts, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE funnel_path(ts timestamp, "window" interval, label text, steps text[], mode text) (
    SFUNC = funnel_transfn, STYPE = internal, SSPACE = 256,
    FINALFUNC = funnel_path_final_ts, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = funnel_combine, SERIALFUNC = funnel_serialize, DESERIALFUNC = funnel_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE funnel_step(timestamptz, interval, text, text[])
    IS 'windowFunnel over labels: step k is a row whose label is steps[k]';
COMMENT ON AGGREGATE funnel_step(timestamptz, interval, text, text[], text)
    IS 'windowFunnel over labels, with options';
COMMENT ON AGGREGATE funnel_path(timestamptz, interval, text, text[])
    IS 'funnel_path over labels: step k is a row whose label is steps[k]';

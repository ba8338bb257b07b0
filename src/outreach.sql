-- outreach: turn milestones into exactly one queue row each, from a
-- scheduled job (pg_cron) or by hand.  See README "lifecycle, retention,
-- outreach" for the recipe.

-- outreach_enqueue(queue, candidates): run the query `candidates` (it must
-- return columns customer_id, milestone, reached_at) and insert every row
-- whose reached_at is not NULL and not in the future into `queue`, in ONE
-- statement with ON CONFLICT DO NOTHING, so that
--   * a rerun inserts nothing new (the rows conflict on the queue's key),
--   * a run that fails or is cancelled half-way inserts nothing at all
--     (the statement rolls back) and the next run finds the same rows,
--   * two overlapping runs never both insert a row: the second waits on
--     the first's uncommitted row, then does nothing.
-- The queue must have a unique constraint or index, not partial, on a
-- subset of (customer_id, milestone, reached_at): that key is what makes
-- reruns idempotent, so the function checks it exists.  Returns the number
-- of rows inserted.  Runs with the caller's rights (SECURITY INVOKER).
--
-- Security: this function has no SET search_path, on purpose: the text
-- `candidates` is the caller's own query and must resolve the caller's
-- tables and functions with the caller's search_path.  So everything the
-- function itself writes, in its body and in the dynamic SQL around the
-- caller's query, names pg_catalog explicitly: every operator as
-- OPERATOR(pg_catalog.op), every function, type and cast as pg_catalog.x
-- (an unqualified `oid = regclass` ran a planted public.= in 0.1.0).
-- sql/security.sql plants such objects and checks that none runs.
CREATE FUNCTION outreach_enqueue(queue regclass, candidates text) RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $fn$
DECLARE
    inserted bigint;
BEGIN
    IF queue IS NULL OR candidates IS NULL THEN
        RAISE EXCEPTION 'queue and candidates must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT EXISTS (
        SELECT 1
        FROM pg_catalog.pg_index i
        WHERE i.indrelid OPERATOR(pg_catalog.=) queue::pg_catalog.oid
          AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
          AND NOT EXISTS (
              SELECT 1
              FROM pg_catalog.unnest(i.indkey::pg_catalog.int2[]) AS k(attnum)
              JOIN pg_catalog.pg_attribute a
                ON a.attrelid OPERATOR(pg_catalog.=) queue::pg_catalog.oid
               AND a.attnum OPERATOR(pg_catalog.=) k.attnum
              WHERE a.attname OPERATOR(pg_catalog.<>)
                    ALL (ARRAY['customer_id', 'milestone', 'reached_at']::pg_catalog.name[]))) THEN
        RAISE EXCEPTION 'queue % has no unique key on (customer_id, milestone, reached_at) or a subset of it', queue
            USING ERRCODE = 'invalid_table_definition',
                  DETAIL = 'Without such a key a rerun would insert the same milestone twice.',
                  HINT = 'Add PRIMARY KEY (customer_id, milestone, reached_at), or UNIQUE (customer_id, milestone) for once per customer ever.';
    END IF;
    EXECUTE pg_catalog.format(
        'INSERT INTO %s AS q (customer_id, milestone, reached_at) '
        'SELECT c.customer_id, c.milestone, c.reached_at FROM (%s) AS c '
        'WHERE c.reached_at OPERATOR(pg_catalog.<=) pg_catalog.now() '
        'ON CONFLICT DO NOTHING', queue, candidates);
    GET DIAGNOSTICS inserted = ROW_COUNT;
    RETURN inserted;
END
$fn$;
COMMENT ON FUNCTION outreach_enqueue(regclass, text)
    IS 'insert candidate milestones (customer_id, milestone, reached_at) into a queue once each: idempotent, crash- and overlap-safe';

-- outreach_claim(queue, batch): for the sender.  Marks up to `batch` unsent
-- rows of the queue as sent (sent_at = now()) and returns their keys;
-- rows another sender is claiming right now are skipped (SKIP LOCKED), so
-- concurrent senders never claim the same row.  The queue needs a sent_at
-- timestamptz column.  If the caller's transaction rolls back, the rows
-- stay unsent.  It runs no SQL of the caller's, so its search_path is
-- fixed (pg_catalog, then pg_temp last: no object of any other schema is
-- ever resolved), and it qualifies everything all the same.
CREATE FUNCTION outreach_claim(queue regclass, batch integer,
                               OUT customer_id text, OUT milestone text, OUT reached_at timestamptz)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE ROWS 100
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF queue IS NULL OR batch IS NULL THEN
        RAISE EXCEPTION 'queue and batch must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF batch OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'batch must be at least 1'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY EXECUTE pg_catalog.format(
        'UPDATE %1$s AS q SET sent_at = pg_catalog.now() '
        'WHERE q.ctid OPERATOR(pg_catalog.=) ANY (ARRAY('
        'SELECT s.ctid FROM %1$s AS s WHERE s.sent_at IS NULL '
        'ORDER BY s.reached_at LIMIT %2$s FOR UPDATE SKIP LOCKED)) '
        'AND q.sent_at IS NULL '
        'RETURNING q.customer_id::pg_catalog.text, q.milestone::pg_catalog.text, '
        'q.reached_at::pg_catalog.timestamptz', queue, batch);
END
$fn$;
COMMENT ON FUNCTION outreach_claim(regclass, integer)
    IS 'mark up to batch unsent queue rows as sent and return them; concurrent senders skip each other''s rows';

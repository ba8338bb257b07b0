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
CREATE FUNCTION outreach_enqueue(queue regclass, candidates text) RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $fn$
DECLARE
    inserted bigint;
BEGIN
    IF queue IS NULL OR candidates IS NULL THEN
        RAISE EXCEPTION 'outreach_enqueue: queue and candidates must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT EXISTS (
        SELECT 1
        FROM pg_catalog.pg_index i
        WHERE i.indrelid = queue AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
          AND NOT EXISTS (
              SELECT 1
              FROM pg_catalog.unnest(i.indkey::int2[]) AS k(attnum)
              JOIN pg_catalog.pg_attribute a ON a.attrelid = queue AND a.attnum = k.attnum
              WHERE a.attname OPERATOR(pg_catalog.<>) ALL (ARRAY['customer_id', 'milestone', 'reached_at']::name[]))) THEN
        RAISE EXCEPTION 'outreach_enqueue: % has no unique key on (customer_id, milestone, reached_at) or a part of it', queue
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
-- stay unsent.
CREATE FUNCTION outreach_claim(queue regclass, batch integer,
                               OUT customer_id text, OUT milestone text, OUT reached_at timestamptz)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE ROWS 100
AS $fn$
BEGIN
    IF queue IS NULL OR batch IS NULL OR batch < 1 THEN
        RAISE EXCEPTION 'outreach_claim: queue must not be null and batch must be at least 1'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY EXECUTE pg_catalog.format(
        'UPDATE %1$s AS q SET sent_at = pg_catalog.now() '
        'WHERE q.ctid = ANY (ARRAY(SELECT s.ctid FROM %1$s AS s WHERE s.sent_at IS NULL '
        '                          ORDER BY s.reached_at LIMIT %2$s FOR UPDATE SKIP LOCKED)) '
        'AND q.sent_at IS NULL '
        'RETURNING q.customer_id::text, q.milestone::text, q.reached_at', queue, batch);
END
$fn$;
COMMENT ON FUNCTION outreach_claim(regclass, integer)
    IS 'mark up to batch unsent queue rows as sent and return them; concurrent senders skip each other''s rows';

-- pg_regress creates the extension (--load-extension=journey); check it is
-- there with the version the control file names.
SELECT extname, extversion FROM pg_extension WHERE extname = 'journey';

-- Test helper for the binary input functions of our types (tests run in
-- this database after this file): feed `payload` to the type's receive
-- function through a crafted COPY BINARY file and return the value as text.
CREATE FUNCTION test_recv(typ regtype, payload bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    path text := current_setting('data_directory') || '/journey_test_recv.bin';
    lo oid;
    result text;
BEGIN
    lo := lo_from_bytea(0, '\x5047434f50590aff0d0a00'::bytea   -- COPY BINARY signature
                           || '\x0000000000000000'::bytea      -- flags, header extension
                           || '\x0001'::bytea || int4send(length(payload)) || payload
                           || '\xffff'::bytea);                -- trailer
    PERFORM lo_export(lo, path);
    PERFORM lo_unlink(lo);
    EXECUTE format('CREATE TEMP TABLE test_recv_target (v %s)', typ);
    EXECUTE format('COPY test_recv_target FROM %L WITH (FORMAT binary)', path);
    SELECT v::text INTO result FROM test_recv_target;
    DROP TABLE test_recv_target;
    RETURN result;
END $$;

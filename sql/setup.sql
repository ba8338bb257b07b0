-- pg_regress creates the extension (--load-extension=journey); check it is
-- there with the version the control file names.
SELECT extname, extversion FROM pg_extension WHERE extname = 'journey';

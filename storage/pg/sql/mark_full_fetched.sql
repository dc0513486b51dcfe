-- Marks rows the full pass asked discovery for and got an answer about
-- (their document, or none): fetched at $2, no longer wanted.
-- $1 keys (text[] literal), $2 now (microseconds since the epoch).
UPDATE content_metadata
SET full_fetched = ('epoch'::timestamptz + $2::bigint * interval '1 microsecond'),
    full_wanted = false,
    full_failed = NULL
WHERE content_key = ANY($1::text[]);

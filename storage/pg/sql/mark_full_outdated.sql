-- Marks rows whose fetched full document was older than the stored one (a
-- crawl stored a newer version while the batch was in flight): fetched at
-- $2, so this pass moves on, but still wanted, so the next pass fetches them
-- again. $1 keys (text[] literal), $2 now (microseconds since the epoch).
UPDATE content_metadata
SET full_fetched = ('epoch'::timestamptz + $2::bigint * interval '1 microsecond'),
    full_failed = NULL
WHERE content_key = ANY($1::text[]);

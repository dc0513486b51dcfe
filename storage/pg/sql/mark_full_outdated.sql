-- Marks rows whose fetched full document was older than the stored one (a
-- crawl stored a newer version while the batch was in flight): still
-- wanted, so the next pass fetches them again, and skipped for the rest of
-- this attempt as a failed row is (next_full_work.sql), so that the pass
-- does not ask discovery for them again at once.
-- $1 keys (text[] literal), $2 now (microseconds since the epoch).
UPDATE content_metadata
SET full_failed = ('epoch'::timestamptz + $2::bigint * interval '1 microsecond')
WHERE content_key = ANY($1::text[]);

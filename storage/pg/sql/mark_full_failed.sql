-- Marks rows discovery failed for during the full pass: they keep their
-- documents and flags, and this attempt skips them (next_full_work.sql).
-- $1 keys (text[] literal), $2 now (microseconds since the epoch).
UPDATE content_metadata
SET full_failed = ('epoch'::timestamptz + $2::bigint * interval '1 microsecond')
WHERE content_key = ANY($1::text[]);

-- The full pass's next batch: in-use rows of one type whose full document is
-- wanted, most urgent first (flagged by a crawl or a publish event, then
-- never fetched, then oldest). Rows discovery failed for during this attempt
-- are skipped, so one bad batch cannot stall the pass; a row fetched during
-- it is no longer stale, so the pass ends.
-- $1 content type ('course' or 'program'), $2 this attempt's start, $3 stale
-- before (microseconds since the epoch), $4 batch size. Returns keys.
SELECT cm.content_key
FROM content_metadata cm
WHERE cm.content_type = $1
  AND NOT cm.derived
  AND (cm.full_wanted
       OR cm.full_fetched IS NULL
       OR cm.full_fetched < ('epoch'::timestamptz + $3::bigint * interval '1 microsecond'))
  AND (cm.full_failed IS NULL
       OR cm.full_failed < ('epoch'::timestamptz + $2::bigint * interval '1 microsecond'))
  AND cm.content_key IN (SELECT content_key FROM content_in_use)
ORDER BY cm.full_wanted DESC, cm.full_fetched NULLS FIRST, cm.content_key
LIMIT $4;

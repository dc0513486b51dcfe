-- A batch of rows whose stored facts are stale, in key order, for the
-- backfill after a migration. $1 content key after which to start ('' for
-- the first batch), $2 batch size. Columns as stale_item_facts.sql.
SELECT
  content_key,
  content_type,
  COALESCE(parent_content_key, ''),
  json_metadata,
  document_hash
FROM content_metadata
WHERE content_key > $1
  AND facts_hash IS DISTINCT FROM document_hash
ORDER BY content_key
LIMIT $2;

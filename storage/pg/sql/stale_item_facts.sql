-- Rows among the given keys whose stored facts were not read from their
-- current document (0005_item_facts.sql), with what computing them needs.
-- $1 content keys (text[] literal).
-- Columns: key, type, parent key ('' for none), JSON document, its hash.
SELECT
  content_key,
  content_type,
  COALESCE(parent_content_key, ''),
  json_metadata,
  document_hash
FROM content_metadata
WHERE content_key = ANY($1::text[])
  AND facts_hash IS DISTINCT FROM document_hash;

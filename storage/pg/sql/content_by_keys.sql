-- Stored content rows for the keys that exist, in no particular order:
-- GetContentMetadata when it names no content uuid and coerces nothing
-- (content_by_identifiers.sql otherwise), one primary-key probe per key.
-- $1 content keys (text[] literal).
-- Columns: key, type, uuid, parent key ('' for none), title, modified
-- (microseconds since the epoch), JSON document.
SELECT
  cm.content_key,
  cm.content_type,
  COALESCE(cm.content_uuid::text, ''),
  COALESCE(cm.parent_content_key, ''),
  cm.title,
  (extract(epoch from cm.modified) * 1000000)::bigint,
  cm.json_metadata
FROM content_metadata cm
WHERE cm.content_key = ANY($1::text[]);

-- Stored content rows for identifiers: content keys and content uuids, a
-- course run optionally answered by its parent course. $1 content keys,
-- $2 normalized content uuids (text[] literals), $3 coerce to parent course.
-- Rows in no particular order: the identifier that found the row (a key of
-- $1 or a uuid of $2), then key, type, uuid, parent key ('' for none),
-- title, modified (microseconds since the epoch), JSON document.
WITH
  found AS (
    SELECT k AS identifier, cm.content_key, cm.content_type,
           cm.parent_content_key
    FROM unnest($1::text[]) AS k
    JOIN content_metadata cm ON cm.content_key = k
    UNION ALL
    SELECT u::text, cm.content_key, cm.content_type, cm.parent_content_key
    FROM unnest($2::uuid[]) AS u
    JOIN content_metadata cm ON cm.content_uuid = u
  ),
  -- A run whose parent course is stored is answered by the course.
  answered AS (
    SELECT f.identifier, COALESCE(parent.content_key, f.content_key) AS key
    FROM found f
    LEFT JOIN content_metadata parent
      ON $3::boolean
     AND f.content_type = 'courserun'
     AND parent.content_key = f.parent_content_key
  )
SELECT
  a.identifier,
  cm.content_key,
  cm.content_type,
  COALESCE(cm.content_uuid::text, ''),
  COALESCE(cm.parent_content_key, ''),
  cm.title,
  (extract(epoch from cm.modified) * 1000000)::bigint,
  cm.json_metadata
FROM answered a
JOIN content_metadata cm ON cm.content_key = a.key;

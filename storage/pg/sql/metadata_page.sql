-- A page of a catalog's content, unfiltered, in content key order.
-- $1 catalog uuid, $2 content key after which the page starts ('' for the
-- first page), $3 rows to return (page size + 1).
-- Zero rows: no such catalog. Otherwise catalog uuid, title, enterprise
-- uuid, total count, then the content columns (as content_by_keys.sql),
-- NULL on the single row of a catalog with no (more) content.
-- The total is the query's stored member count: no counting per page.
SELECT
  c.uuid::text,
  c.title,
  c.enterprise_uuid::text,
  q.content_count,
  p.*
FROM enterprise_catalog c
JOIN catalog_query q ON q.id = c.catalog_query_id
LEFT JOIN LATERAL (
  SELECT
    cm.content_key,
    cm.content_type,
    COALESCE(cm.content_uuid::text, ''),
    COALESCE(cm.parent_content_key, ''),
    cm.title,
    (extract(epoch from cm.modified) * 1000000)::bigint,
    cm.json_metadata
  FROM catalog_query_content qc
  JOIN content_metadata cm ON cm.content_key = qc.content_key
  WHERE qc.catalog_query_id = c.catalog_query_id
    AND qc.content_key > $2
  ORDER BY qc.content_key
  LIMIT $3
) p ON true
WHERE c.uuid = $1::uuid
ORDER BY p.content_key;

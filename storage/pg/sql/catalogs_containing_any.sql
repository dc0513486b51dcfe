-- Uuids of an enterprise's catalogs that contain at least one of the
-- requested keys, in (created, uuid) order.
-- $1 enterprise uuid, $2 requested content keys (text[] literal).
WITH
  asked AS (SELECT DISTINCT k FROM unnest($2::text[]) AS k),
  -- The keys the requested keys stand for (contained_keys.sql), computed
  -- once for all of the enterprise's catalogs.
  expanded AS MATERIALIZED (
    SELECT DISTINCT member FROM (
      SELECT a.k AS asked, a.k AS member FROM asked a
      UNION ALL
      SELECT a.k, cm.parent_content_key FROM asked a
        JOIN content_metadata cm ON cm.content_key = a.k
        WHERE cm.parent_content_key IS NOT NULL
      UNION ALL
      SELECT a.k, cm.content_key FROM asked a
        JOIN content_metadata cm ON cm.parent_content_key = a.k
    ) x
  )
SELECT c.uuid::text
FROM enterprise_catalog c
WHERE c.enterprise_uuid = $1::uuid
  AND EXISTS (
    SELECT 1
    FROM expanded e
    -- One primary-key probe per candidate key; LIMIT 1 keeps the planner
    -- from flattening it into a join over the whole membership (see
    -- contained_keys.sql).
    CROSS JOIN LATERAL (
      SELECT 1 FROM catalog_query_content qc
      WHERE qc.catalog_query_id = c.catalog_query_id
        AND qc.content_key = e.member
      LIMIT 1
    ) hit
  )
ORDER BY c.created, c.uuid;

-- Which of the requested keys a catalog contains, and the catalog's
-- enterprise. $1 catalog uuid, $2 requested content keys (text[] literal).
-- Zero rows: no such catalog. Otherwise (enterprise uuid, contained key):
-- one row per contained key, or a single row with a NULL key when nothing
-- is contained.
WITH
  asked AS (SELECT DISTINCT k FROM unnest($2::text[]) AS k),
  -- The keys the requested keys stand for, per the contains rules: each key
  -- itself, the parent course of a requested run, and every run of a
  -- requested course.
  expanded AS (
    SELECT a.k AS asked, a.k AS member FROM asked a
    UNION ALL
    SELECT a.k, cm.parent_content_key FROM asked a
      JOIN content_metadata cm ON cm.content_key = a.k
      WHERE cm.parent_content_key IS NOT NULL
    UNION ALL
    SELECT a.k, cm.content_key FROM asked a
      JOIN content_metadata cm ON cm.parent_content_key = a.k
  )
SELECT c.enterprise_uuid::text, m.asked
FROM enterprise_catalog c
LEFT JOIN LATERAL (
  SELECT DISTINCT e.asked
  FROM expanded e
  -- One primary-key probe per candidate key. LIMIT 1 keeps the planner from
  -- flattening this into a join over the query's whole membership, which
  -- measured 5x slower for a 10-key check on a 5,000-item catalog
  -- (docs/benchmarks.md).
  CROSS JOIN LATERAL (
    SELECT 1 FROM catalog_query_content qc
    WHERE qc.catalog_query_id = c.catalog_query_id
      AND qc.content_key = e.member
    LIMIT 1
  ) hit
) m ON true
WHERE c.uuid = $1::uuid;

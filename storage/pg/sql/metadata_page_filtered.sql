-- A page of a catalog's content filtered by keys, types and/or activity,
-- in content key order. $1 catalog uuid, $2 content keys (text[] literal;
-- empty: any, otherwise matched with course/run expansion), $3 content
-- types (empty: any), $4 content key after which the page starts, $5 rows
-- to return (page size + 1), $6 leave out courses whose stored facts say no
-- run is active. Rows as metadata_page.sql (the scope and the total, which
-- counts matches, on the first row only; in the page subquery's order).
-- Matching keys are collected once (keys only, so no document is read
-- twice), counted, and the page joined from them.
WITH
  cat AS (
    SELECT *
    FROM catalog_scope
    WHERE uuid = $1::uuid
  ),
  asked AS (SELECT DISTINCT k FROM unnest($2::text[]) AS k),
  -- The keys the requested keys stand for (contained_keys.sql).
  expanded AS (
    SELECT a.k AS asked, a.k AS member FROM asked a
    UNION ALL
    SELECT a.k, cm.parent_content_key FROM asked a
      JOIN content_metadata cm ON cm.content_key = a.k
      WHERE cm.parent_content_key IS NOT NULL
    UNION ALL
    SELECT a.k, cm.content_key FROM asked a
      JOIN content_metadata cm ON cm.parent_content_key = a.k
  ),
  matched AS MATERIALIZED (
    SELECT qc.content_key
    FROM cat
    JOIN catalog_query_content qc
      ON qc.catalog_query_id = cat.catalog_query_id
    JOIN content_metadata cm ON cm.content_key = qc.content_key
    WHERE (cardinality($2::text[]) = 0
           OR qc.content_key IN (SELECT member FROM expanded))
      AND (cardinality($3::text[]) = 0
           OR cm.content_type = ANY($3::text[]))
      AND (NOT $6::boolean
           OR cm.content_type <> 'course'
           OR cm.active IS NOT FALSE)
  )
SELECT
  sc.*,
  p.*
FROM cat
LEFT JOIN LATERAL (
  SELECT min(m.content_key) AS content_key
  FROM matched m
  WHERE m.content_key > $4
) head ON true
LEFT JOIN LATERAL (
  SELECT si.*
  FROM matched m
  JOIN served_item si ON si.content_key = m.content_key
  WHERE m.content_key > $4
  ORDER BY m.content_key
  LIMIT $5
) p ON true
LEFT JOIN LATERAL (
  SELECT
    cat.uuid::text,
    cat.title,
    cat.enterprise_uuid::text,
    cat.enterprise_name,
    cat.publish_audit_enrollment_urls,
    cat.modified_us,
    cat.has_customer,
    cat.customer_slug,
    cat.customer_learner_portal,
    cat.customer_modified_us,
    (SELECT count(*) FROM matched)
  WHERE p.content_key IS NOT DISTINCT FROM head.content_key
) sc ON true;

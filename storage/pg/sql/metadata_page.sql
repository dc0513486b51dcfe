-- A page of a catalog's content, unfiltered, in content key order.
-- $1 catalog uuid, $2 content key after which the page starts ('' for the
-- first page), $3 rows to return (page size + 1).
-- Zero rows: no such catalog. Otherwise the catalog's scope (uuid, title,
-- enterprise uuid and name, publish audit URLs, modified, has customer,
-- customer slug, learner portal and modified) and the total count, then the
-- served_item columns (0005_item_facts.sql), NULL on the single row of a
-- catalog with no (more) content.
-- The scope and the total come on the page's first row only, NULL on the
-- others: sent with each of 1,000 rows they cost more than the per-catalog
-- fields computed from them (docs/benchmarks.md).
-- The total is the query's stored member count: no counting per page.
-- The rows come in the page subquery's order (the catalog is one row, a
-- uuid being unique, and the page is the inner side of its nested loop),
-- which PgCatalogStore checks: an outer ORDER BY sorted the page's wide
-- rows a second time.
SELECT
  sc.*,
  p.*
FROM catalog_scope s
JOIN catalog_query q ON q.id = s.catalog_query_id
LEFT JOIN LATERAL (
  SELECT min(qc.content_key) AS content_key
  FROM catalog_query_content qc
  WHERE qc.catalog_query_id = s.catalog_query_id
    AND qc.content_key > $2
) head ON true
LEFT JOIN LATERAL (
  SELECT si.*
  FROM catalog_query_content qc
  JOIN served_item si ON si.content_key = qc.content_key
  WHERE qc.catalog_query_id = s.catalog_query_id
    AND qc.content_key > $2
  ORDER BY qc.content_key
  LIMIT $3
) p ON true
LEFT JOIN LATERAL (
  SELECT
    s.uuid::text,
    s.title,
    s.enterprise_uuid::text,
    s.enterprise_name,
    s.publish_audit_enrollment_urls,
    s.modified_us,
    s.has_customer,
    s.customer_slug,
    s.customer_learner_portal,
    s.customer_modified_us,
    q.content_count
  WHERE p.content_key IS NOT DISTINCT FROM head.content_key
) sc ON true
WHERE s.uuid = $1::uuid;

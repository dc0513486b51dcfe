-- A catalog's members against the keys an integrated channel holds, exact
-- matches only. $1 catalog uuid, $2 the held keys (text[] literal).
-- Zero rows: no such catalog. Otherwise the catalog's scope (as
-- customer_content_metadata.sql), then per key that is held or a member, in
-- key order: the key, held, member, and for a held member its row's
-- modified (microseconds since the epoch); a single row of NULLs when
-- there is no such key.
WITH
  cat AS (
    SELECT *
    FROM catalog_scope
    WHERE uuid = $1::uuid
  ),
  held AS (SELECT DISTINCT k COLLATE "C" AS k FROM unnest($2::text[]) AS k),
  members AS (
    SELECT qc.content_key
    FROM cat
    JOIN catalog_query_content qc
      ON qc.catalog_query_id = cat.catalog_query_id
  )
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
  d.content_key,
  d.held,
  d.member,
  d.modified_us
FROM cat
LEFT JOIN (
  SELECT
    COALESCE(m.content_key, h.k) AS content_key,
    h.k IS NOT NULL AS held,
    m.content_key IS NOT NULL AS member,
    (extract(epoch from cm.modified) * 1000000)::bigint AS modified_us
  FROM members m
  FULL JOIN held h ON h.k = m.content_key
  LEFT JOIN content_metadata cm
    ON h.k IS NOT NULL AND cm.content_key = m.content_key
) d ON true
ORDER BY d.content_key;

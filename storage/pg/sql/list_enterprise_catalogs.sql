-- A page of the given enterprises' catalogs in (created, uuid) keyset order.
-- $1, $2, $3 as list_catalogs.sql; $4 the enterprise uuids (an empty array
-- matches nothing). Columns as get_catalog.sql.
SELECT
  c.uuid::text,
  c.title,
  c.enterprise_uuid::text,
  c.enterprise_name,
  q.content_filter,
  q.uuid::text,
  q.content_filter_hash,
  array_to_json(c.enabled_course_modes)::text,
  c.publish_audit_enrollment_urls,
  (extract(epoch from c.created) * 1000000)::bigint,
  (extract(epoch from c.modified) * 1000000)::bigint,
  q.content_count,
  (extract(epoch from q.content_refreshed) * 1000000)::bigint
FROM enterprise_catalog c
JOIN catalog_query q ON q.id = c.catalog_query_id
WHERE c.enterprise_uuid = ANY($4::uuid[])
  AND (c.created, c.uuid) >
      ('epoch'::timestamptz + $1::bigint * interval '1 microsecond', $2::uuid)
ORDER BY c.created, c.uuid
LIMIT $3;

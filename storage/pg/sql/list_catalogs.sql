-- A page of every enterprise's catalogs in (created, uuid) keyset order.
-- $1 created of the last catalog seen (microseconds; the first page passes
-- 0001-01-01), $2 its uuid, $3 rows to return (the caller asks for one more
-- than the page size, to learn whether another page follows).
-- Columns as get_catalog.sql.
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
WHERE (c.created, c.uuid) >
      ('epoch'::timestamptz + $1::bigint * interval '1 microsecond', $2::uuid)
ORDER BY c.created, c.uuid
LIMIT $3;

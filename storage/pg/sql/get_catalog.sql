-- One catalog, with its query's filter, content count and last refresh.
-- $1 catalog uuid. No row: no such catalog.
-- Columns (as every catalog read): uuid, title, enterprise uuid and name,
-- content filter, query uuid, filter hash, course modes (JSON array text),
-- publish audit URLs, created, modified, content count, content refreshed.
-- Times cross the wire as bigint microseconds since the epoch: exact, and
-- independent of the session time zone.
SELECT
  c.uuid::text,
  c.title,
  c.enterprise_uuid::text,
  c.enterprise_name,
  q.content_filter,
  q.uuid::text,
  q.content_filter_hash,
  -- JSON, not PostgreSQL's array output, which libpqxx 6.4 misparses
  -- (pg_util.h, ParseJsonTextArray).
  array_to_json(c.enabled_course_modes)::text,
  c.publish_audit_enrollment_urls,
  (extract(epoch from c.created) * 1000000)::bigint,
  (extract(epoch from c.modified) * 1000000)::bigint,
  q.content_count,
  (extract(epoch from q.content_refreshed) * 1000000)::bigint
FROM enterprise_catalog c
JOIN catalog_query q ON q.id = c.catalog_query_id
WHERE c.uuid = $1::uuid;

-- One catalog query by uuid, with the number of catalogs using it.
-- $1 query uuid. No row: no such query.
-- Columns (as get_catalog_query_by_hash.sql): uuid, content filter, filter
-- hash, content count, content refreshed (bigint microseconds since the
-- epoch, NULL before the first refresh), catalog count.
SELECT
  q.uuid::text,
  q.content_filter,
  q.content_filter_hash,
  q.content_count,
  (extract(epoch from q.content_refreshed) * 1000000)::bigint,
  -- enterprise_catalog_query_idx makes this an index-only count.
  (SELECT count(*) FROM enterprise_catalog c WHERE c.catalog_query_id = q.id)
FROM catalog_query q
WHERE q.uuid = $1::uuid;

-- Freshness of the queries that catalogs use: how many, how many never
-- refreshed, and the oldest last refresh (microseconds since the epoch,
-- NULL if none). No parameters.
SELECT
  count(*),
  count(*) FILTER (WHERE content_refreshed IS NULL),
  (extract(epoch from min(content_refreshed)) * 1000000)::bigint
FROM catalog_query q
WHERE EXISTS (SELECT 1 FROM enterprise_catalog c
              WHERE c.catalog_query_id = q.id);

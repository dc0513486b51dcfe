-- The stalest in-use queries for the health sample, oldest first: filter
-- hash, age in microseconds (since the last refresh, or since creation if
-- never refreshed), and on every row the number of in-use queries and of
-- never-refreshed ones. Queries no catalog uses are never refreshed, so
-- they do not count. $1 rows to return, $2 now (microseconds since the
-- epoch, the refresh pipeline's clock).
WITH q AS (
  SELECT
    content_filter_hash,
    content_refreshed IS NULL AS never,
    (extract(epoch from coalesce(content_refreshed, created)) * 1000000)::bigint AS since
  FROM catalog_query q
  WHERE EXISTS (SELECT 1 FROM enterprise_catalog c
                WHERE c.catalog_query_id = q.id)
)
SELECT
  content_filter_hash,
  greatest(0, $2::bigint - since),
  count(*) OVER (),
  count(*) FILTER (WHERE never) OVER ()
FROM q
ORDER BY since, content_filter_hash
LIMIT $1;

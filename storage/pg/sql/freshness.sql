-- Freshness of what catalogs use: the queries (how many, how many never
-- refreshed, the oldest last refresh), then the full documents of the
-- courses and programs in use (how many, how many never fetched, and the
-- oldest last fetch, counting a never-fetched row from its creation). Times in microseconds since the epoch, NULL if none. No
-- parameters.
WITH queries AS (
  SELECT
    count(*) AS in_use,
    count(*) FILTER (WHERE content_refreshed IS NULL) AS never,
    min(content_refreshed) AS oldest
  FROM catalog_query q
  WHERE EXISTS (SELECT 1 FROM enterprise_catalog c
                WHERE c.catalog_query_id = q.id)
), full_documents AS (
  SELECT
    count(*) AS in_use,
    count(*) FILTER (WHERE full_fetched IS NULL) AS never,
    min(COALESCE(full_fetched, created)) AS oldest
  FROM content_metadata cm
  WHERE cm.content_type IN ('course', 'program')
    AND NOT cm.derived
    AND cm.content_key IN (SELECT content_key FROM content_in_use)
)
SELECT
  queries.in_use,
  queries.never,
  (extract(epoch from queries.oldest) * 1000000)::bigint,
  full_documents.in_use,
  full_documents.never,
  (extract(epoch from full_documents.oldest) * 1000000)::bigint
FROM queries, full_documents;

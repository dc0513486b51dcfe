-- How many of a query's current members a crawl would remove: the
-- guardrail's input, read before anything is written.
-- $1 query id, $2 the crawl's members (text[] literal).
SELECT count(*)
FROM catalog_query_content
WHERE catalog_query_id = $1
  AND content_key NOT IN (SELECT unnest($2::text[]));

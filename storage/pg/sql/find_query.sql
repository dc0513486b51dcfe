-- The catalog query of a filter hash: (id, uuid), or no row.
-- $1 content filter hash. Runs first (an existing query is only read), and
-- again after insert_query.sql found the hash taken.
SELECT id, uuid::text
FROM catalog_query
WHERE content_filter_hash = $1;

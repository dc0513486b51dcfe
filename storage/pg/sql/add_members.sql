-- Links a query to the members it does not have yet. $1 query id, $2 the
-- new members (text[] literal). Affected rows: members added.
INSERT INTO catalog_query_content (catalog_query_id, content_key)
SELECT $1, k FROM unnest($2::text[]) AS k
ON CONFLICT DO NOTHING;

-- Creates the catalog query for a canonical filter, unless one exists.
-- $1 new query uuid, $2 canonical filter text, $3 its hash.
-- Returns (id, uuid) of the new query; no row if the hash exists, and then
-- find_query.sql reads it. Under READ COMMITTED that is safe against a
-- concurrent insert of the same hash: this INSERT waits for that
-- transaction and does nothing, and the SELECT (a new statement, so a new
-- snapshot) then sees its row.
INSERT INTO catalog_query (uuid, content_filter, content_filter_hash)
VALUES ($1::uuid, $2, $3)
ON CONFLICT (content_filter_hash) DO NOTHING
RETURNING id, uuid::text;

-- Locks a catalog query's row before its content is replaced
-- (ReplaceQueryContent), so that replacements of one query run one at a
-- time. $1 query id. No row: no such query.
SELECT id
FROM catalog_query
WHERE id = $1
FOR UPDATE;

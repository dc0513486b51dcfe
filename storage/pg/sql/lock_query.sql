-- Locks a catalog query's row before its content is replaced
-- (ReplaceQueryContent), so that replacements of one query run one at a
-- time. $1 query id. No row: no such query.
-- NO KEY UPDATE, the lock an UPDATE of non-key columns takes: it excludes
-- another replacement but not the foreign-key checks (KEY SHARE) of a
-- catalog created on, or moved to, the query, or of its refresh job, which
-- would otherwise wait for the whole apply.
SELECT id
FROM catalog_query
WHERE id = $1
FOR NO KEY UPDATE;

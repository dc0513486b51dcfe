-- Locks the query of a leased job (after the job: lock_leased_job.sql) and
-- reads its member count, the guardrail's "before". $1 query id.
-- No row: the query was deleted.
-- NO KEY UPDATE, as lock_query.sql says why.
SELECT content_count
FROM catalog_query
WHERE id = $1
FOR NO KEY UPDATE;

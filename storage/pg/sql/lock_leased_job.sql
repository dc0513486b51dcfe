-- Locks a leased job's row before its crawl is applied (CompleteWithCrawl),
-- so that a worker whose lease was taken over cannot apply. Job first, then
-- its query (lock_query_count.sql): the only lock order used on these rows.
-- $1 job id, $2 lease token. No row: the lease was lost. Otherwise
-- (approved removals or NULL, catalog query id).
SELECT approved_removals, catalog_query_id
FROM refresh_job
WHERE id = $1
  AND lease_token = $2::uuid
  AND state = 'running'
FOR UPDATE;

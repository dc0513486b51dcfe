-- Leases the oldest runnable job to a worker: queued and due, or running
-- under a lease that expired before its last allowed attempt (its worker
-- died; expire_last_attempts.sql, run just before, fails the ones at their
-- last attempt). Rows other
-- workers have locked are skipped, so concurrent workers never wait on
-- each other or take the same job.
-- $1 new lease token, $2 worker name, $3 now, $4 lease expiry
-- (microseconds since the epoch, the caller's clock).
-- No row: nothing to do. Otherwise the job's columns (as get_job.sql,
-- without the enterprises), the query's filter, and the job's state and
-- lease owner before this lease ('running': an expired lease taken over).
WITH next AS (
  SELECT id, state AS prev_state, lease_owner AS prev_owner
  FROM refresh_job
  WHERE (state = 'queued'
         AND run_after <= ('epoch'::timestamptz + $3::bigint * interval '1 microsecond'))
     OR (state = 'running'
         AND lease_expires < ('epoch'::timestamptz + $3::bigint * interval '1 microsecond')
         AND attempts < max_attempts)
  ORDER BY run_after, id
  LIMIT 1
  FOR UPDATE SKIP LOCKED
)
UPDATE refresh_job j
SET
  state = 'running',
  attempts = j.attempts + 1,
  started = ('epoch'::timestamptz + $3::bigint * interval '1 microsecond'),
  lease_token = $1::uuid,
  lease_owner = $2,
  lease_expires = ('epoch'::timestamptz + $4::bigint * interval '1 microsecond')
FROM next
WHERE j.id = next.id
RETURNING
  j.id,
  j.uuid::text,
  COALESCE(j.catalog_query_id, 0),
  COALESCE((SELECT q.uuid::text FROM catalog_query q
            WHERE q.id = j.catalog_query_id), ''),
  j.state,
  j.reason,
  j.force,
  j.attempts,
  j.max_attempts,
  (extract(epoch from j.created) * 1000000)::bigint,
  (extract(epoch from j.run_after) * 1000000)::bigint,
  (extract(epoch from j.started) * 1000000)::bigint,
  (extract(epoch from j.finished) * 1000000)::bigint,
  COALESCE(j.lease_owner, ''),
  j.last_error,
  j.pages,
  j.discovery_requests,
  j.discovery_retries,
  j.items_seen,
  j.members_before,
  j.members_after,
  j.members_added,
  j.members_removed,
  j.content_inserted,
  j.content_updated,
  j.content_unchanged,
  j.duration_ms,
  j.items_excluded,
  j.kind,
  COALESCE((SELECT q.content_filter FROM catalog_query q
            WHERE q.id = j.catalog_query_id), ''),
  next.prev_state,
  COALESCE(next.prev_owner, '');

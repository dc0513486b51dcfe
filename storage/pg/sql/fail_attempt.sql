-- Records a failed attempt: queued again at the retry time, or failed when
-- it was the last allowed attempt. Stored content is not touched.
-- $1 job id, $2 lease token, $3 error, $4 retry at, $5 now (microseconds
-- since the epoch), $6..$18 the thirteen job figures in refresh_job's order.
-- No row: the lease was lost. Otherwise the job's columns (as get_job.sql,
-- without the enterprises).
UPDATE refresh_job j
SET
  state = CASE WHEN j.attempts >= j.max_attempts THEN 'failed' ELSE 'queued' END,
  finished = CASE
    WHEN j.attempts >= j.max_attempts
      THEN ('epoch'::timestamptz + $5::bigint * interval '1 microsecond')
    ELSE NULL
  END,
  run_after = ('epoch'::timestamptz + $4::bigint * interval '1 microsecond'),
  last_error = $3,
  lease_token = NULL,
  lease_owner = NULL,
  lease_expires = NULL,
  pages = $6::bigint,
  discovery_requests = $7::bigint,
  discovery_retries = $8::bigint,
  items_seen = $9::bigint,
  members_before = $10::bigint,
  members_after = $11::bigint,
  members_added = $12::bigint,
  members_removed = $13::bigint,
  content_inserted = $14::bigint,
  content_updated = $15::bigint,
  content_unchanged = $16::bigint,
  duration_ms = $17::bigint,
  items_excluded = $18::bigint
WHERE j.id = $1
  AND j.lease_token = $2::uuid
  AND j.state = 'running'
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
  j.kind;

-- Finishes a job whose crawl was applied or held, in the transaction that
-- applied it. $1 job id, $2 state ('succeeded' or 'held'), $3 now
-- (microseconds since the epoch), $4 note (why it was held, or ''),
-- $5..$17 the thirteen job figures in refresh_job's order.
-- Returns the job's columns (as get_job.sql, without the enterprises).
UPDATE refresh_job j
SET
  state = $2,
  finished = ('epoch'::timestamptz + $3::bigint * interval '1 microsecond'),
  last_error = $4,
  lease_token = NULL,
  lease_owner = NULL,
  lease_expires = NULL,
  pages = $5::bigint,
  discovery_requests = $6::bigint,
  discovery_retries = $7::bigint,
  items_seen = $8::bigint,
  members_before = $9::bigint,
  members_after = $10::bigint,
  members_added = $11::bigint,
  members_removed = $12::bigint,
  content_inserted = $13::bigint,
  content_updated = $14::bigint,
  content_unchanged = $15::bigint,
  duration_ms = $16::bigint,
  items_excluded = $17::bigint
WHERE j.id = $1
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

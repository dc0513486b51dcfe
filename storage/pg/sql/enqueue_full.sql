-- Queues the full-metadata job, or joins the queued or running one (one
-- active at a time: a partial unique index). Joining pulls a queued job's
-- next attempt forward to now: new work is waiting for it.
-- Joining locks the job's row: a caller that also writes content rows calls
-- this first (the full pass locks its job, then content rows).
-- $1 new job uuid, $2 reason, $3 max attempts, $4 now (microseconds since
-- the epoch). Returns the job's columns (as get_job.sql, without the
-- enterprises), then whether this call created it.
INSERT INTO refresh_job AS j (
  uuid,
  kind,
  state,
  reason,
  max_attempts,
  created,
  run_after)
SELECT
  $1::uuid,
  'full',
  'queued',
  $2,
  $3::int,
  ('epoch'::timestamptz + $4::bigint * interval '1 microsecond'),
  ('epoch'::timestamptz + $4::bigint * interval '1 microsecond')
ON CONFLICT (kind) WHERE kind = 'full' AND state IN ('queued', 'running')
DO UPDATE
SET run_after = CASE
    WHEN j.state = 'queued' THEN LEAST(j.run_after, EXCLUDED.run_after)
    ELSE j.run_after
  END
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
  j.uuid = $1::uuid;

-- Queues a refresh job for a catalog's query, or joins the queued or
-- running one (one active job per query: a partial unique index).
-- $1 new job uuid, $2 catalog uuid, $3 reason, $4 approved removals (NULL:
-- not forced; refresh_state_of.sql), $5 max attempts, $6 now (microseconds
-- since the epoch, the caller's clock), $7 answered-since (microseconds;
-- NULL: always queue or join).
-- No row: no such catalog, or (with $7) the query has no active job and
-- its latest crawl succeeded at or after $7, so a repeated request is
-- answered with that job (refresh_state_of.sql). Otherwise the job's
-- columns (as get_job.sql, without the enterprises), then whether this call
-- created it.
-- The check and the insert are one statement, so a crawl that finishes
-- between a caller's read and its request cannot make it queue another:
-- only one finishing within this statement's few microseconds can.
-- An approval joins only a queued job: a running crawl was not what the
-- admin reviewed. An explicit request also pulls a backed-off retry
-- forward, since someone is waiting for it.
INSERT INTO refresh_job AS j (
  uuid,
  catalog_query_id,
  state,
  reason,
  force,
  approved_removals,
  max_attempts,
  created,
  run_after)
SELECT
  $1::uuid,
  c.catalog_query_id,
  'queued',
  $3,
  $4::bigint IS NOT NULL,
  $4::bigint,
  $5::int,
  ('epoch'::timestamptz + $6::bigint * interval '1 microsecond'),
  ('epoch'::timestamptz + $6::bigint * interval '1 microsecond')
FROM enterprise_catalog c
WHERE c.uuid = $2::uuid
  AND ($7::bigint IS NULL OR NOT EXISTS (
    -- The query's active job if it has one, else its latest finished one.
    SELECT 1
    FROM (SELECT j.state, j.finished
          FROM refresh_job j
          WHERE j.catalog_query_id = c.catalog_query_id
          ORDER BY j.state IN ('queued', 'running') DESC,
                   j.finished DESC NULLS LAST, j.id DESC
          LIMIT 1) last
    WHERE last.state = 'succeeded'
      AND last.finished >=
          'epoch'::timestamptz + $7::bigint * interval '1 microsecond'))
ON CONFLICT (catalog_query_id) WHERE state IN ('queued', 'running')
DO UPDATE
SET
  force = j.force OR (j.state = 'queued' AND EXCLUDED.force),
  approved_removals = CASE
    WHEN j.state = 'queued' AND EXCLUDED.force THEN EXCLUDED.approved_removals
    ELSE j.approved_removals
  END,
  run_after = CASE
    WHEN j.state = 'queued' AND EXCLUDED.reason = 'requested'
      THEN LEAST(j.run_after, EXCLUDED.run_after)
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

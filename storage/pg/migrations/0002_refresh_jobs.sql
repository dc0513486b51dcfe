-- Refresh jobs: one crawl of one catalog query, leased by a worker.
-- Times are written by the service (from its clock), not by now(), so that
-- the scheduler and the leases can run on an injected clock in tests.
CREATE TABLE refresh_job (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  uuid uuid NOT NULL UNIQUE,
  catalog_query_id bigint NOT NULL REFERENCES catalog_query (id) ON DELETE CASCADE,
  state text NOT NULL
    CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'held')),
  reason text NOT NULL
    CHECK (reason IN ('created', 'updated', 'requested', 'scheduled')),
  -- Apply even if the guardrail would hold the change.
  force boolean NOT NULL DEFAULT false,
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL CHECK (max_attempts > 0),
  created timestamptz NOT NULL,
  -- Queued: not before this time (backoff between attempts).
  run_after timestamptz NOT NULL,
  started timestamptz,
  finished timestamptz,
  -- The current lease: a fresh token per lease fences a worker whose lease
  -- expired (it can no longer heartbeat, fail or complete the job).
  lease_token uuid,
  lease_owner text,
  lease_expires timestamptz,
  last_error text NOT NULL DEFAULT '',
  -- Figures of the latest completed crawl.
  pages bigint NOT NULL DEFAULT 0,
  discovery_requests bigint NOT NULL DEFAULT 0,
  discovery_retries bigint NOT NULL DEFAULT 0,
  items_seen bigint NOT NULL DEFAULT 0,
  members_before bigint NOT NULL DEFAULT 0,
  members_after bigint NOT NULL DEFAULT 0,
  members_added bigint NOT NULL DEFAULT 0,
  members_removed bigint NOT NULL DEFAULT 0,
  content_inserted bigint NOT NULL DEFAULT 0,
  content_updated bigint NOT NULL DEFAULT 0,
  content_unchanged bigint NOT NULL DEFAULT 0,
  duration_ms bigint NOT NULL DEFAULT 0,
  CHECK (state <> 'running' OR (lease_token IS NOT NULL AND lease_expires IS NOT NULL))
);

-- At most one queued or running job per query: concurrent refresh requests
-- and schedulers join the job that is there instead of crawling twice.
CREATE UNIQUE INDEX refresh_job_one_active_per_query
  ON refresh_job (catalog_query_id) WHERE state IN ('queued', 'running');
CREATE INDEX refresh_job_queued_idx ON refresh_job (run_after, id)
  WHERE state = 'queued';
CREATE INDEX refresh_job_running_idx ON refresh_job (lease_expires)
  WHERE state = 'running';
CREATE INDEX refresh_job_query_idx ON refresh_job (catalog_query_id, finished);
CREATE INDEX refresh_job_finished_idx ON refresh_job (finished)
  WHERE finished IS NOT NULL;

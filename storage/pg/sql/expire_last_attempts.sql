-- Fails running jobs whose lease expired during their last allowed attempt:
-- no worker may take them over (lease_job.sql), so nothing else ends them.
-- $1 now (microseconds since the epoch). Affected rows: jobs failed.
UPDATE refresh_job
SET
  state = 'failed',
  finished = ('epoch'::timestamptz + $1::bigint * interval '1 microsecond'),
  last_error = 'the lease of ' || COALESCE(lease_owner, '?')
    || ' expired during the last allowed attempt (' || attempts
    || ' of ' || max_attempts || '); the worker stopped or died',
  lease_token = NULL,
  lease_owner = NULL,
  lease_expires = NULL
WHERE state = 'running'
  AND lease_expires < ('epoch'::timestamptz + $1::bigint * interval '1 microsecond')
  AND attempts >= max_attempts;

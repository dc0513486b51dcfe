-- Gives a leased job back without counting the attempt (worker shutdown):
-- queued again, runnable at once. $1 job id, $2 lease token, $3 now
-- (microseconds since the epoch). No row affected: the lease was lost.
UPDATE refresh_job
SET
  state = 'queued',
  attempts = GREATEST(attempts - 1, 0),
  run_after = ('epoch'::timestamptz + $3::bigint * interval '1 microsecond'),
  lease_token = NULL,
  lease_owner = NULL,
  lease_expires = NULL
WHERE id = $1
  AND lease_token = $2::uuid
  AND state = 'running';

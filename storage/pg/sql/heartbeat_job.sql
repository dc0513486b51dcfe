-- Extends a lease. $1 job id, $2 lease token, $3 new expiry (microseconds
-- since the epoch). No row affected: the lease was lost (the token fences
-- a worker whose expired lease another worker took over).
UPDATE refresh_job
SET lease_expires = ('epoch'::timestamptz + $3::bigint * interval '1 microsecond')
WHERE id = $1
  AND lease_token = $2::uuid
  AND state = 'running';

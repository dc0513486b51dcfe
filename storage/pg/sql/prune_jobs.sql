-- Deletes finished jobs older than the retention.
-- $1 prune before (microseconds since the epoch). Affected rows: deleted.
DELETE FROM refresh_job
WHERE finished < ('epoch'::timestamptz + $1::bigint * interval '1 microsecond')
  AND state IN ('succeeded', 'failed', 'held');

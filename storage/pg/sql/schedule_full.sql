-- The scheduler's pass for full documents: queues the full-metadata job when
-- an in-use course or program has no full document yet, wants one, or got
-- its last before the freshness bound, unless a full job failed recently
-- (the same cooldown as crawls). An active full job is kept.
-- $1 stale before, $2 cooldown before, $3 now (microseconds since the
-- epoch), $4 max attempts. Affected rows: 1 if queued.
INSERT INTO refresh_job (
  uuid,
  kind,
  state,
  reason,
  max_attempts,
  created,
  run_after)
SELECT
  gen_random_uuid(),
  'full',
  'queued',
  'scheduled',
  $4::int,
  ('epoch'::timestamptz + $3::bigint * interval '1 microsecond'),
  ('epoch'::timestamptz + $3::bigint * interval '1 microsecond')
WHERE EXISTS (
    SELECT 1 FROM content_metadata cm
    WHERE cm.content_type IN ('course', 'program')
      AND NOT cm.derived
      AND (cm.full_wanted
           OR cm.full_fetched IS NULL
           OR cm.full_fetched < ('epoch'::timestamptz + $1::bigint * interval '1 microsecond'))
      AND cm.content_key IN (SELECT content_key FROM content_in_use))
  AND NOT EXISTS (
    SELECT 1 FROM refresh_job j
    WHERE j.kind = 'full'
      AND j.state = 'failed'
      AND j.finished >= ('epoch'::timestamptz + $2::bigint * interval '1 microsecond'))
ON CONFLICT (kind) WHERE kind = 'full' AND state IN ('queued', 'running')
DO NOTHING;

-- Queues the full-metadata job when some in-use course or program wants its
-- full document and no full job is queued or running (a finished crawl or pass
-- asks this). An active job is left alone, not even locked: the caller holds
-- content rows, which a running pass may be waiting for, and the pass
-- picks up newly wanted rows in its next batch.
-- $1 reason, $2 max attempts, $3 now (microseconds since the epoch).
-- Affected rows: 1 if queued.
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
  $1,
  $2::int,
  ('epoch'::timestamptz + $3::bigint * interval '1 microsecond'),
  ('epoch'::timestamptz + $3::bigint * interval '1 microsecond')
WHERE EXISTS (SELECT 1 FROM content_metadata cm
              WHERE cm.content_type IN ('course', 'program')
                AND NOT cm.derived
                AND cm.full_wanted
                AND cm.content_key IN (SELECT content_key FROM content_in_use))
ON CONFLICT (kind) WHERE kind = 'full' AND state IN ('queued', 'running')
DO NOTHING;

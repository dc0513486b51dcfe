-- The scheduler's pass: queues a job for every query in use by a catalog
-- whose data is missing or stale, unless a job for it failed or was held
-- recently (a cooldown, so a broken query is not crawled in a loop).
-- Queries that already have a queued or running job keep it.
-- $1 stale before, $2 cooldown before, $3 now (microseconds since the
-- epoch), $4 max attempts. Affected rows: jobs created.
INSERT INTO refresh_job (
  uuid,
  catalog_query_id,
  state,
  reason,
  max_attempts,
  created,
  run_after)
SELECT
  gen_random_uuid(),
  q.id,
  'queued',
  'scheduled',
  $4::int,
  ('epoch'::timestamptz + $3::bigint * interval '1 microsecond'),
  ('epoch'::timestamptz + $3::bigint * interval '1 microsecond')
FROM catalog_query q
WHERE EXISTS (SELECT 1 FROM enterprise_catalog c
              WHERE c.catalog_query_id = q.id)
  AND (q.content_refreshed IS NULL
       OR q.content_refreshed < ('epoch'::timestamptz + $1::bigint * interval '1 microsecond'))
  AND NOT EXISTS (
    SELECT 1 FROM refresh_job j
    WHERE j.catalog_query_id = q.id
      AND j.state IN ('failed', 'held')
      AND j.finished >= ('epoch'::timestamptz + $2::bigint * interval '1 microsecond'))
ORDER BY q.content_refreshed NULLS FIRST, q.id
ON CONFLICT (catalog_query_id) WHERE state IN ('queued', 'running') DO NOTHING;

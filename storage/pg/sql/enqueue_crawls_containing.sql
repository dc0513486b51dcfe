-- Queues a crawl of every in-use query that contains any of the keys, or a
-- run of one of them (a publish event; ContainsContentItems' rule), or
-- pulls its queued crawl forward to now; a running crawl is joined. $1 keys (text[] literal), $2 max attempts, $3 now
-- (microseconds since the epoch). Affected rows: crawls queued or joined.
INSERT INTO refresh_job AS j (
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
  'published',
  $2::int,
  ('epoch'::timestamptz + $3::bigint * interval '1 microsecond'),
  ('epoch'::timestamptz + $3::bigint * interval '1 microsecond')
FROM catalog_query q
WHERE EXISTS (SELECT 1 FROM enterprise_catalog c
              WHERE c.catalog_query_id = q.id)
  AND EXISTS (SELECT 1
              FROM catalog_query_content m
              JOIN content_metadata cm ON cm.content_key = m.content_key
              WHERE m.catalog_query_id = q.id
                AND (m.content_key = ANY($1::text[])
                     OR cm.parent_content_key = ANY($1::text[])))
ON CONFLICT (catalog_query_id) WHERE state IN ('queued', 'running')
DO UPDATE
SET run_after = CASE
    WHEN j.state = 'queued' THEN LEAST(j.run_after, EXCLUDED.run_after)
    ELSE j.run_after
  END;

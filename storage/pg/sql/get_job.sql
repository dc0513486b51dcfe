-- One refresh job and the enterprises whose catalogs use its query (who
-- may watch it). $1 job uuid. No row: no such job.
-- Columns, as every job read: id, uuid, query id, query uuid, state,
-- reason, force, attempts, max attempts, created, run after, started,
-- finished (times in microseconds since the epoch), lease owner ('' for
-- none), last error, the twelve crawl figures in refresh_job's order, items
-- excluded and the job's kind.
-- Here followed by the enterprise uuids, sorted, as a JSON array.
SELECT
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
  array_to_json(ARRAY(
    SELECT DISTINCT c.enterprise_uuid::text
    FROM enterprise_catalog c
    WHERE c.catalog_query_id = j.catalog_query_id
    ORDER BY 1))::text
FROM refresh_job j
WHERE j.uuid = $1::uuid;

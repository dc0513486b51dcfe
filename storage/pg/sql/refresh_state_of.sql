-- Where the refresh of a catalog's query stands, for RefreshCatalog: its
-- active job, if any (force never joins a running one), its latest
-- finished crawl job (a HELD one's members_removed is what force
-- approves; a recent SUCCEEDED one answers a repeated request), and the
-- enterprises whose catalogs use the query (an admin may approve only for
-- enterprises they administer).
-- $1 catalog uuid. No row: no such catalog. Otherwise (active job uuid or
-- NULL, its state, latest finished job uuid or NULL, its state, its
-- finished time in microseconds, its members_removed, enterprise uuids as
-- a JSON array, sorted).
WITH q AS (
  SELECT catalog_query_id AS id FROM enterprise_catalog WHERE uuid = $1::uuid
),
active AS (
  SELECT j.uuid, j.state
  FROM refresh_job j, q
  WHERE j.catalog_query_id = q.id AND j.state IN ('queued', 'running')
),
latest AS (
  SELECT j.uuid, j.state, j.finished, j.members_removed
  FROM refresh_job j, q
  WHERE j.catalog_query_id = q.id
    AND j.state IN ('succeeded', 'held', 'failed')
  ORDER BY j.finished DESC NULLS LAST, j.id DESC
  LIMIT 1
)
SELECT
  (SELECT active.uuid::text FROM active),
  (SELECT active.state FROM active),
  (SELECT latest.uuid::text FROM latest),
  (SELECT latest.state FROM latest),
  (SELECT (extract(epoch from latest.finished) * 1000000)::bigint FROM latest),
  (SELECT latest.members_removed FROM latest),
  (SELECT COALESCE(json_agg(e.enterprise_uuid ORDER BY e.enterprise_uuid),
                   '[]'::json)::text
   FROM (SELECT DISTINCT c.enterprise_uuid::text AS enterprise_uuid
         FROM enterprise_catalog c WHERE c.catalog_query_id = q.id) e)
FROM q;

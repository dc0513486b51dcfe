-- What a forced refresh of a catalog would approve: the query's running
-- job, if any (force never joins it), and its latest finished crawl job
-- when that one was held (its members_removed is what the admin reviewed),
-- with the enterprises whose catalogs use the query (an admin may approve
-- only for enterprises they administer).
-- $1 catalog uuid. No row: no such catalog. Otherwise (running job uuid or
-- NULL, held job uuid or NULL, held removals or NULL, enterprise uuids as
-- a JSON array, sorted).
WITH q AS (
  SELECT catalog_query_id AS id FROM enterprise_catalog WHERE uuid = $1::uuid
),
latest AS (
  SELECT j.uuid, j.state, j.members_removed
  FROM refresh_job j, q
  WHERE j.catalog_query_id = q.id
    AND j.state IN ('succeeded', 'held', 'failed')
  ORDER BY j.finished DESC, j.id DESC
  LIMIT 1
)
SELECT
  (SELECT j.uuid::text FROM refresh_job j
   WHERE j.catalog_query_id = q.id AND j.state = 'running'),
  (SELECT latest.uuid::text FROM latest WHERE latest.state = 'held'),
  (SELECT latest.members_removed FROM latest WHERE latest.state = 'held'),
  (SELECT COALESCE(json_agg(e.enterprise_uuid ORDER BY e.enterprise_uuid),
                   '[]'::json)::text
   FROM (SELECT DISTINCT c.enterprise_uuid::text AS enterprise_uuid
         FROM enterprise_catalog c WHERE c.catalog_query_id = q.id) e)
FROM q;

-- What a catalog notification changes in the membership index
-- (membership_feed.cc): every catalog of the enterprise that catalog $1
-- belongs to now and of enterprise $2 (the one the index holds it under;
-- NULL if none), as index_catalogs.sql reads them. An enterprise with no
-- catalog left has no row.
SELECT c.enterprise_uuid::text, c.uuid::text, c.catalog_query_id
FROM enterprise_catalog c
WHERE c.enterprise_uuid IN (
  SELECT e.enterprise_uuid FROM enterprise_catalog e WHERE e.uuid = $1::uuid
  UNION ALL
  SELECT $2::uuid)
ORDER BY c.enterprise_uuid, c.created, c.uuid;

-- Every catalog for the membership index (membership_loader.cc), in
-- creation order, the order CatalogsContainingAny answers in
-- (catalogs_containing_any.sql).
SELECT uuid::text, enterprise_uuid::text, catalog_query_id
FROM enterprise_catalog
ORDER BY created, uuid;

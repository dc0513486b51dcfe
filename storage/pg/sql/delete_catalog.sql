-- Deletes a catalog (its query and content stay: other catalogs may use
-- them). $1 uuid. No row affected: no such catalog.
DELETE FROM enterprise_catalog
WHERE uuid = $1::uuid;

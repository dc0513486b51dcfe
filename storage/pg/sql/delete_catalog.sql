-- Deletes a catalog (its query and content stay: other catalogs may use
-- them). $1 uuid, $2 the enterprise the caller was authorized for: the
-- write is scoped to it, not only the check before it. No row affected: no
-- such catalog of that enterprise.
DELETE FROM enterprise_catalog
WHERE uuid = $1::uuid
  AND enterprise_uuid = $2::uuid;

-- Changes a catalog's fields; a NULL parameter leaves its column as it is.
-- $1 uuid, $2 title, $3 enterprise name, $4 catalog query id, $5 enabled
-- course modes (text[] literal), $6 publish audit enrollment URLs, $7 the
-- enterprise the caller was authorized for (the write is scoped to it).
-- No row affected: no such catalog of that enterprise.
UPDATE enterprise_catalog
SET
  title = COALESCE($2, title),
  enterprise_name = COALESCE($3, enterprise_name),
  catalog_query_id = COALESCE($4::bigint, catalog_query_id),
  enabled_course_modes = COALESCE($5::text[], enabled_course_modes),
  publish_audit_enrollment_urls =
    COALESCE($6::boolean, publish_audit_enrollment_urls),
  modified = clock_timestamp()
WHERE uuid = $1::uuid
  AND enterprise_uuid = $7::uuid;

-- Creates a catalog on an existing catalog query.
-- $1 uuid, $2 title, $3 enterprise uuid, $4 enterprise name, $5 catalog
-- query id, $6 enabled course modes (text[] literal), $7 publish audit
-- enrollment URLs. A duplicate uuid fails with unique_violation.
INSERT INTO enterprise_catalog (
  uuid,
  title,
  enterprise_uuid,
  enterprise_name,
  catalog_query_id,
  enabled_course_modes,
  publish_audit_enrollment_urls)
VALUES ($1::uuid, $2, $3::uuid, $4, $5, $6::text[], $7::boolean);

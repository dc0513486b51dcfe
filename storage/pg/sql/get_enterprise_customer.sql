-- One enterprise customer. $1 uuid. No row: the platform never wrote it.
-- Columns as upsert_enterprise_customer.sql returns them.
SELECT
  uuid::text,
  slug,
  name,
  enable_learner_portal,
  (extract(epoch from modified) * 1000000)::bigint
FROM enterprise_customer
WHERE uuid = $1::uuid;

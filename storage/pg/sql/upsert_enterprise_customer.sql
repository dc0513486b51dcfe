-- Creates or replaces an enterprise customer. `modified` moves only when
-- something changed, so a repeated upsert (the platform re-sending the same
-- customer) does not make every catalog item look modified.
-- $1 uuid, $2 slug, $3 name, $4 learner portal enabled.
-- Returns uuid, slug, name, learner portal flag, modified (microseconds
-- since the epoch).
INSERT INTO enterprise_customer AS c (uuid, slug, name, enable_learner_portal)
VALUES ($1::uuid, $2, $3, $4::boolean)
ON CONFLICT (uuid) DO UPDATE
SET
  slug = EXCLUDED.slug,
  name = EXCLUDED.name,
  enable_learner_portal = EXCLUDED.enable_learner_portal,
  modified = CASE
    WHEN (c.slug, c.name, c.enable_learner_portal)
         IS DISTINCT FROM
         (EXCLUDED.slug, EXCLUDED.name, EXCLUDED.enable_learner_portal)
      THEN clock_timestamp()
    ELSE c.modified
  END
RETURNING
  c.uuid::text,
  c.slug,
  c.name,
  c.enable_learner_portal,
  (extract(epoch from c.modified) * 1000000)::bigint;

-- Enterprise customers, written by the platform (UpsertEnterpriseCustomer)
-- the way catalogs are: the per-catalog fields of catalog items read the
-- learner portal flag and the slug, and content_last_modified reads
-- `modified`. Catalogs do not reference it: a catalog may name a customer
-- the platform has not written yet (Django's "{}" customer).
CREATE TABLE enterprise_customer (
  uuid uuid PRIMARY KEY,
  slug text NOT NULL DEFAULT '',
  name text NOT NULL DEFAULT '',
  enable_learner_portal boolean NOT NULL DEFAULT false,
  created timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- Moves only when slug, name or the flag change.
  modified timestamptz NOT NULL DEFAULT clock_timestamp()
);

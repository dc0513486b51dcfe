-- Catalog queries: one row per distinct canonical content filter, shared by
-- every catalog whose filter canonicalizes to the same text.
CREATE TABLE catalog_query (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  uuid uuid NOT NULL UNIQUE,
  -- Python json.dumps(filter, sort_keys=True) text; hashed into
  -- content_filter_hash exactly like the Django service.
  content_filter text NOT NULL,
  content_filter_hash text NOT NULL UNIQUE
    CHECK (content_filter_hash ~ '^[0-9a-f]{32}$'),
  -- Members as of the last successful refresh (kept here so a metadata page
  -- need not count the membership every time).
  content_count integer NOT NULL DEFAULT 0,
  -- Last successful refresh; NULL until the first one.
  content_refreshed timestamptz,
  created timestamptz NOT NULL DEFAULT now(),
  modified timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE enterprise_catalog (
  uuid uuid PRIMARY KEY,
  title text NOT NULL,
  enterprise_uuid uuid NOT NULL,
  enterprise_name text NOT NULL DEFAULT '',
  catalog_query_id bigint NOT NULL REFERENCES catalog_query (id),
  enabled_course_modes text[] NOT NULL,
  publish_audit_enrollment_urls boolean NOT NULL DEFAULT false,
  created timestamptz NOT NULL DEFAULT clock_timestamp(),
  modified timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- ListCatalogs pages by (created, uuid), with or without an enterprise.
CREATE INDEX enterprise_catalog_enterprise_idx
  ON enterprise_catalog (enterprise_uuid, created, uuid);
CREATE INDEX enterprise_catalog_created_idx ON enterprise_catalog (created, uuid);
CREATE INDEX enterprise_catalog_query_idx ON enterprise_catalog (catalog_query_id);

-- Content rows are global: one per content key, whichever queries hold it.
-- Keys use the "C" collation: exact byte comparison and a locale-independent
-- order for keyset pagination.
CREATE TABLE content_metadata (
  content_key text COLLATE "C" PRIMARY KEY,
  content_type text NOT NULL
    CHECK (content_type IN ('course', 'courserun', 'program', 'learnerpathway')),
  content_uuid uuid,
  parent_content_key text COLLATE "C",
  title text NOT NULL DEFAULT '',
  -- Served verbatim, so text (not jsonb) with lz4: measured 2.3x faster per
  -- page than jsonb on this machine class.
  json_metadata text COMPRESSION lz4 NOT NULL,
  -- md5 of json_metadata: unchanged documents are not rewritten.
  document_hash text NOT NULL,
  -- True for course runs known only from a course's nested course_runs.
  derived boolean NOT NULL DEFAULT false,
  created timestamptz NOT NULL DEFAULT now(),
  modified timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX content_metadata_parent_idx ON content_metadata (parent_content_key)
  WHERE parent_content_key IS NOT NULL;
CREATE INDEX content_metadata_uuid_idx ON content_metadata (content_uuid)
  WHERE content_uuid IS NOT NULL;

-- Membership: which content a catalog query's last successful refresh found.
CREATE TABLE catalog_query_content (
  catalog_query_id bigint NOT NULL REFERENCES catalog_query (id) ON DELETE CASCADE,
  content_key text COLLATE "C" NOT NULL REFERENCES content_metadata (content_key),
  PRIMARY KEY (catalog_query_id, content_key)
);
CREATE INDEX catalog_query_content_key_idx ON catalog_query_content (content_key);

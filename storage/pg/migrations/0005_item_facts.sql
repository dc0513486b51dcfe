-- What the per-catalog fields of an item (enrollment_url, marketing_url,
-- xapi_activity_id, active, course_run_enrollment_urls) read from its
-- document: domain::ItemFacts, stored when the document is written so that
-- a catalog-scoped read never parses a document (storage/pg/item_facts.h
-- keeps them current).
ALTER TABLE content_metadata
  -- The document_hash of the document the facts were read from. Facts of
  -- any other document are stale: readers then read the document itself.
  -- NULL until first computed (rows written before this migration are
  -- computed by the migration step that follows it, see migrate.cc).
  ADD COLUMN facts_hash text,
  -- The document's "key" when it is a non-empty string.
  ADD COLUMN doc_key text,
  -- A course whose course_type is executive-education-2u.
  ADD COLUMN exec_ed boolean NOT NULL DEFAULT false,
  -- The "key" of the advertised run (django-rules.md §4).
  ADD COLUMN advertised_run_key text,
  -- The sku of the last paid-executive-education entitlement, non-empty.
  ADD COLUMN exec_ed_sku text,
  -- The document's marketing_url, when a non-empty string.
  ADD COLUMN marketing_url text,
  -- Courses: whether any run is active (§6). NULL for other types.
  ADD COLUMN active boolean,
  -- Courses: the keys of course_runs, in document order.
  ADD COLUMN run_keys text[];

-- A catalog as catalog-scoped reads serve its items: the catalog columns
-- the per-catalog fields use, and its enterprise customer. A customer the
-- platform never wrote is Django's "{}" (has_customer false: learner portal
-- off, empty slug, no term in content_last_modified). Times are bigint
-- microseconds since the epoch, as every read sends them.
CREATE VIEW catalog_scope AS
SELECT
  c.uuid,
  c.enterprise_uuid,
  c.catalog_query_id,
  c.created,
  c.title,
  c.enterprise_name,
  c.publish_audit_enrollment_urls,
  (extract(epoch from c.modified) * 1000000)::bigint AS modified_us,
  ec.uuid IS NOT NULL AS has_customer,
  COALESCE(ec.slug, '') AS customer_slug,
  COALESCE(ec.enable_learner_portal, false) AS customer_learner_portal,
  (extract(epoch from ec.modified) * 1000000)::bigint AS customer_modified_us
FROM enterprise_catalog c
LEFT JOIN enterprise_customer ec ON ec.uuid = c.enterprise_uuid;

-- A content row as catalog-scoped reads serve it: the row, its stored
-- facts (facts_current false: read the document instead), and for a
-- course that is not exec-ed the keys of its nested runs that have a row
-- with a document of their own (not derived), for nested run enrichment
-- (django-rules.md §6), each as its byte length, ':' and the key (keys may
-- hold any character; libpqxx 6.4 misparses PostgreSQL's array output, and
-- this reads with no JSON parser). With stale facts, every such run row:
-- the reader matches them against the document's runs.
CREATE VIEW served_item AS
SELECT
  cm.content_key,
  cm.content_type,
  COALESCE(cm.content_uuid::text, '') AS content_uuid,
  COALESCE(cm.parent_content_key, '') AS parent_content_key,
  cm.title,
  (extract(epoch from cm.modified) * 1000000)::bigint AS modified_us,
  cm.json_metadata,
  cm.facts_hash IS NOT DISTINCT FROM cm.document_hash AS facts_current,
  cm.doc_key,
  cm.exec_ed,
  cm.advertised_run_key,
  cm.exec_ed_sku,
  cm.marketing_url,
  cm.active,
  CASE WHEN cm.content_type = 'course' THEN (
    SELECT COALESCE(string_agg(octet_length(r.content_key) || ':' ||
                               r.content_key, '' ORDER BY r.content_key), '')
    FROM content_metadata r
    WHERE r.parent_content_key = cm.content_key
      AND NOT r.derived
      AND (cm.facts_hash IS DISTINCT FROM cm.document_hash
           OR (NOT cm.exec_ed AND r.content_key = ANY(cm.run_keys))))
  ELSE '' END AS run_rows
FROM content_metadata cm;

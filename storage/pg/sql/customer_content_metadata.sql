-- One item for an enterprise customer, with the customer's oldest catalog
-- (creation order) that contains it. $1 enterprise uuid, $2 the item's
-- content key (NULL when $3 is given), $3 its content uuid (NULL: look up
-- by key), $4 coerce a course run to its parent course.
-- Zero rows: no such item, or no catalog of the customer contains it.
-- Otherwise one row: the catalog's scope (as metadata_page.sql, without a
-- total), then the item's served_item columns (0005_item_facts.sql).
WITH
  -- Every row the identifier names (a uuid may, in principle, name several).
  asked AS (
    SELECT cm.content_key, cm.content_type, cm.parent_content_key
    FROM content_metadata cm
    WHERE cm.content_key = $2
    UNION
    SELECT cm.content_key, cm.content_type, cm.parent_content_key
    FROM content_metadata cm
    WHERE cm.content_uuid = $3::uuid
  ),
  target AS (
    SELECT DISTINCT COALESCE(parent.content_key, a.content_key) AS content_key
    FROM asked a
    LEFT JOIN content_metadata parent
      ON $4::boolean
     AND a.content_type = 'courserun'
     AND parent.content_key = a.parent_content_key
  ),
  -- The members that make a catalog contain an item, as for
  -- ContainsContentItems (contained_keys.sql): the item, its parent course,
  -- and its runs.
  expanded AS (
    SELECT t.content_key AS item, t.content_key AS member FROM target t
    UNION
    SELECT t.content_key, cm.parent_content_key FROM target t
      JOIN content_metadata cm ON cm.content_key = t.content_key
      WHERE cm.parent_content_key IS NOT NULL
    UNION
    SELECT t.content_key, cm.content_key FROM target t
      JOIN content_metadata cm ON cm.parent_content_key = t.content_key
  ),
  -- The customer's oldest catalog containing an item, and that item.
  found AS (
    SELECT s.*, hit.item
    FROM catalog_scope s
    CROSS JOIN LATERAL (
      SELECT e.item
      FROM expanded e
      JOIN catalog_query_content qc
        ON qc.catalog_query_id = s.catalog_query_id
       AND qc.content_key = e.member
      ORDER BY e.item
      LIMIT 1
    ) hit
    WHERE s.enterprise_uuid = $1::uuid
    ORDER BY s.created, s.uuid
    LIMIT 1
  )
SELECT
  f.uuid::text,
  f.title,
  f.enterprise_uuid::text,
  f.enterprise_name,
  f.publish_audit_enrollment_urls,
  f.modified_us,
  f.has_customer,
  f.customer_slug,
  f.customer_learner_portal,
  f.customer_modified_us,
  si.*
FROM found f
JOIN served_item si ON si.content_key = f.item;

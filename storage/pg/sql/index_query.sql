-- One catalog query for the membership index (membership_loader.cc), read
-- when a notification says its members changed: its members_version, each
-- member with its parent course ('' for none, is_member true), and every
-- content row whose parent is a member (a member course's runs, is_member
-- false). Those are all the parent links the contains rules follow from
-- this query: a requested run of a member course, a requested course of a
-- member run. Zero rows: no such query; one row with NULL key: no members.
-- $1 catalog_query id.
SELECT q.members_version, m.content_key, m.parent_key, m.is_member
FROM catalog_query q
LEFT JOIN LATERAL (
  SELECT qc.content_key, COALESCE(cm.parent_content_key, '') AS parent_key,
         true AS is_member
  FROM catalog_query_content qc
  JOIN content_metadata cm ON cm.content_key = qc.content_key
  WHERE qc.catalog_query_id = q.id
  UNION ALL
  SELECT r.content_key, r.parent_content_key, false
  FROM catalog_query_content qc
  JOIN content_metadata r ON r.parent_content_key = qc.content_key
  WHERE qc.catalog_query_id = q.id
) m ON true
WHERE q.id = $1;

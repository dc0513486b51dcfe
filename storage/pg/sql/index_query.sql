-- One catalog query for the membership index (membership_loader.cc), read
-- when a notification says its members changed: its members_version, each
-- member with its parent course ('' for none, is_member true), and every
-- content row whose parent is a member (a member course's runs, is_member
-- false). Those are all the parent links the contains rules follow from
-- this query: a requested run of a member course, a requested course of a
-- member run. Zero rows: no such query; one row with NULL key: no members.
-- $1 catalog_query id.
-- Written to probe by index per member, never to scan content_metadata: a
-- scalar subquery per member, and a fenced (OFFSET 0) lateral per member for
-- its runs, since as plain joins the planner hashed all of content_metadata
-- (two sequential scans: 160 ms for 2,000 members of 200,000 rows, against
-- about 50 ms so; docs/benchmarks.md).
SELECT q.members_version, m.content_key, m.parent_key, m.is_member
FROM catalog_query q
LEFT JOIN LATERAL (
  SELECT qc.content_key,
         COALESCE((SELECT cm.parent_content_key
                   FROM content_metadata cm
                   WHERE cm.content_key = qc.content_key), '') AS parent_key,
         true AS is_member
  FROM catalog_query_content qc
  WHERE qc.catalog_query_id = q.id
  UNION ALL
  SELECT r.content_key, r.parent_content_key, false
  FROM catalog_query_content qc
  CROSS JOIN LATERAL (
    SELECT c.content_key, c.parent_content_key
    FROM content_metadata c
    WHERE c.parent_content_key = qc.content_key
    OFFSET 0) r
  WHERE qc.catalog_query_id = q.id
) m ON true
WHERE q.id = $1;

-- Unlinks a query's members that are not in the new member list (content
-- rows stay: other queries may use them). $1 query id, $2 the new members
-- (text[] literal). Affected rows: members removed.
DELETE FROM catalog_query_content
WHERE catalog_query_id = $1
  AND content_key NOT IN (SELECT unnest($2::text[]));

-- Every membership row, for the membership index (membership_loader.cc),
-- read through a cursor.
SELECT catalog_query_id, content_key
FROM catalog_query_content;

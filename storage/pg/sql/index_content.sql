-- Every content row's key and parent course ('' for none), for the
-- membership index (membership_loader.cc), read through a cursor.
SELECT content_key, COALESCE(parent_content_key, '')
FROM content_metadata;

-- Locks, in key order, the rows a batch of full documents is merged into
-- (the requested courses or programs and the programs the courses list), and
-- returns what merging needs.
-- $1 keys (text[] literal). Returns key, type, derived, stored document and
-- the md5 of the full document last merged ('' for none).
SELECT content_key, content_type, derived, json_metadata,
       COALESCE(full_hash, '')
FROM content_metadata
WHERE content_key = ANY($1::text[])
ORDER BY content_key
FOR UPDATE;

-- Writes the program rows that courses' full documents list (Django's
-- create_course_associated_programs): new programs as listed, existing ones
-- with the listed entry merged in by the caller. A new program row wants its
-- own full document. No query association.
-- $1 program uuids (the keys), $2 titles, $3 documents, $4 their md5 hashes
-- (text[] literals). Returns one row per program inserted (true) or changed
-- (false); an unchanged one returns nothing.
INSERT INTO content_metadata AS cm (
  content_key,
  content_type,
  content_uuid,
  title,
  json_metadata,
  document_hash,
  full_wanted)
SELECT k, 'program', k::uuid, ti, j, h, true
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS x(k, ti, j, h)
ON CONFLICT (content_key) DO UPDATE
SET
  title = EXCLUDED.title,
  json_metadata = EXCLUDED.json_metadata,
  document_hash = EXCLUDED.document_hash,
  modified = now()
WHERE cm.document_hash <> EXCLUDED.document_hash
RETURNING (xmax = 0) AS inserted;

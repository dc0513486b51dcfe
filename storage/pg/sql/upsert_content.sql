-- Writes a batch of content documents, one array element per document.
-- $1 keys, $2 types, $3 uuids ('' for none), $4 parent keys ('' for none),
-- $5 titles, $6 JSON documents, $7 document hashes (text[] literals), $8
-- derived flags (bool[] literal: a run known only from its course).
-- Returns one row per document inserted (true) or changed (false); an
-- unchanged document (same hash) is skipped and returns nothing, and a run
-- known only from its course never replaces the run's own document.
-- The caller sends the keys sorted, so that concurrent writers sharing rows
-- lock them in the same order and cannot deadlock.
INSERT INTO content_metadata AS cm (
  content_key,
  content_type,
  content_uuid,
  parent_content_key,
  title,
  json_metadata,
  document_hash,
  derived)
SELECT k, t, NULLIF(u, '')::uuid, NULLIF(p, ''), ti, j, h, d
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
            $6::text[], $7::text[], $8::boolean[])
  AS x(k, t, u, p, ti, j, h, d)
ON CONFLICT (content_key) DO UPDATE
SET
  content_type = EXCLUDED.content_type,
  content_uuid = EXCLUDED.content_uuid,
  parent_content_key = EXCLUDED.parent_content_key,
  title = EXCLUDED.title,
  json_metadata = EXCLUDED.json_metadata,
  document_hash = EXCLUDED.document_hash,
  derived = EXCLUDED.derived,
  modified = now()
WHERE (cm.document_hash <> EXCLUDED.document_hash
       OR cm.derived <> EXCLUDED.derived)
  AND (cm.derived OR NOT EXCLUDED.derived)
RETURNING (xmax = 0) AS inserted;

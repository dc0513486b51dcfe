-- Writes a batch of a crawl's documents, one array element per document,
-- and locks (in key order) the stored rows that need merging.
-- $1 keys, $2 types, $3 uuids ('' for none), $4 parent keys ('' for none),
-- $5 titles, $6 JSON documents, $7 their md5 hashes (text[] literals), $8
-- derived flags (bool[] literal: a run known only from its course), $9
-- full-document-wanted flags (bool[] literal: courses and programs).
-- New keys are inserted as sent. An existing row whose last merged search/all
-- document is the same is left alone, and so is a full run document when the
-- record is a run known only from its course. Every other existing row is
-- locked and returned with its stored document, for the caller to merge into
-- and write with merge_content.sql.
-- Returns: key, inserted, the stored row's derived flag, document and
-- document hash (NULL for inserted rows). The caller sends the keys sorted, so that concurrent
-- writers sharing rows lock them in the same order and cannot deadlock.
INSERT INTO content_metadata AS cm (
  content_key,
  content_type,
  content_uuid,
  parent_content_key,
  title,
  json_metadata,
  document_hash,
  derived,
  search_hash,
  search_document,
  full_wanted)
SELECT k, t, NULLIF(u, '')::uuid, NULLIF(p, ''), ti, j, h, d, h, j, w
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
            $6::text[], $7::text[], $8::boolean[], $9::boolean[])
  AS x(k, t, u, p, ti, j, h, d, w)
ON CONFLICT (content_key) DO UPDATE
SET search_hash = cm.search_hash
WHERE (cm.search_hash IS DISTINCT FROM EXCLUDED.search_hash
       OR cm.derived <> EXCLUDED.derived)
  AND (cm.derived OR NOT EXCLUDED.derived)
RETURNING
  cm.content_key,
  (xmax = 0) AS inserted,
  cm.derived,
  CASE WHEN xmax = 0 THEN NULL ELSE cm.json_metadata END,
  CASE WHEN xmax = 0 THEN NULL ELSE cm.document_hash END;

-- Stores the documents a batch of full documents was merged into.
-- $1 keys, $2 merged documents, $3 their md5 hashes, $4 the full documents
-- as discovery sent them, $5 their md5 hashes (text[] literals).
-- `modified` moves only when the served document changed.
UPDATE content_metadata AS cm
SET
  json_metadata = x.j,
  document_hash = x.h,
  full_document = x.fd,
  full_hash = x.fh,
  modified = CASE WHEN cm.document_hash <> x.h THEN now() ELSE cm.modified END
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
  AS x(k, j, h, fd, fh)
WHERE cm.content_key = x.k;

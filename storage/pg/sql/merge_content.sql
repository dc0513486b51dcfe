-- Writes the merged documents of rows that upsert_content.sql locked and
-- returned, one array element per row.
-- $1 keys, $2 types, $3 uuids ('' for none), $4 parent keys ('' for none),
-- $5 titles, $6 merged JSON documents, $7 their md5 hashes, $8 derived
-- flags, $9 the md5 hashes of the search/all documents merged, $10 those
-- documents, $11 full-document-wanted flags (ORed into the row's).
-- `modified` moves only when the served document changed.
UPDATE content_metadata AS cm
SET
  content_type = x.t,
  content_uuid = NULLIF(x.u, '')::uuid,
  parent_content_key = NULLIF(x.p, ''),
  title = x.ti,
  json_metadata = x.j,
  document_hash = x.h,
  derived = x.d,
  search_hash = x.sh,
  search_document = x.sd,
  full_wanted = cm.full_wanted OR x.w,
  modified = CASE WHEN cm.document_hash <> x.h THEN now() ELSE cm.modified END
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
            $6::text[], $7::text[], $8::boolean[], $9::text[], $10::text[],
            $11::boolean[])
  AS x(k, t, u, p, ti, j, h, d, sh, sd, w)
WHERE cm.content_key = x.k;

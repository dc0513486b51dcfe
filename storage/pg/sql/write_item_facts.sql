-- Stores the facts read from documents, one JSON object per row:
-- {"key", "hash" (the document_hash they were read from), "doc_key",
-- "exec_ed", "advertised_run_key", "exec_ed_sku", "marketing_url", "active",
-- "run_keys"}; absent or null members store NULL. $1 the JSON array.
-- A row whose document changed since it was read keeps its (stale) facts:
-- the writer of the newer document computes them.
UPDATE content_metadata AS cm
SET
  facts_hash = x.hash,
  doc_key = x.doc_key,
  exec_ed = COALESCE(x.exec_ed, false),
  advertised_run_key = x.advertised_run_key,
  exec_ed_sku = x.exec_ed_sku,
  marketing_url = x.marketing_url,
  active = x.active,
  run_keys = x.run_keys,
  -- The run rows these facts decide (0007_stored_run_rows.sql), in this
  -- write rather than in a second one by the trigger.
  run_rows = CASE WHEN cm.content_type = 'course' THEN
    course_run_rows(cm.content_key, x.run_keys, COALESCE(x.exec_ed, false),
                    false) END
FROM json_to_recordset($1::json) AS x(
  key text,
  hash text,
  doc_key text,
  exec_ed boolean,
  advertised_run_key text,
  exec_ed_sku text,
  marketing_url text,
  active boolean,
  run_keys text[])
WHERE cm.content_key = x.key
  AND cm.document_hash = x.hash;

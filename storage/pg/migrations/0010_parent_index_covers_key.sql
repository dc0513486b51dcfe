-- The membership index reads a query's member courses' runs by parent
-- (index_query.sql, once per notification): with the run's key in the
-- index, that is an index-only probe per member instead of a heap visit.
-- Replaces 0001's index on parent_content_key alone; nothing else needs it
-- without the key.
CREATE INDEX content_metadata_parent_key_idx
  ON content_metadata (parent_content_key) INCLUDE (content_key)
  WHERE parent_content_key IS NOT NULL;
DROP INDEX content_metadata_parent_idx;

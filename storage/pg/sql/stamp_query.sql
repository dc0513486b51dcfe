-- Records a successful refresh of a query's content.
-- $1 query id, $2 member count, $3 refresh time (microseconds since the
-- epoch, the caller's clock).
UPDATE catalog_query
SET
  content_count = $2,
  content_refreshed = ('epoch'::timestamptz + $3::bigint * interval '1 microsecond'),
  modified = now()
WHERE id = $1;

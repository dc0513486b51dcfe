-- What a publish event names: each asked key, and the stored course or
-- program it stands for (a run stands for its course; NULL when the key is
-- not stored or names no course or program).
-- $1 keys (text[] literal).
SELECT
  a.k,
  CASE
    WHEN cm.content_type IN ('course', 'program') AND NOT cm.derived
      THEN cm.content_key
    WHEN cm.content_type = 'courserun' THEN cm.parent_content_key
  END
FROM unnest($1::text[]) AS a(k)
LEFT JOIN content_metadata cm ON cm.content_key = a.k;

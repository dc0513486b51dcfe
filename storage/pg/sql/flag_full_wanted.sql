-- Flags stored courses and programs for a full re-fetch (a publish event).
-- $1 keys (text[] literal). Returns the keys flagged.
UPDATE content_metadata
SET full_wanted = true
WHERE content_key = ANY($1::text[])
  AND content_type IN ('course', 'program')
  AND NOT derived
RETURNING content_key;

-- served_item's run rows (0005_item_facts.sql), stored with each course
-- instead of looked up for every course a read serves: that per-row lookup
-- was half of what the per-catalog fields added to a page of courses
-- (docs/benchmarks.md). A course's run rows depend on other rows (its runs),
-- so a trigger keeps them: every writer, an older binary's included, keeps
-- them current without knowing they exist.

-- The rule, in one place: the keys of the course's runs that have a row
-- with a document of their own (not derived), in key order, each as its
-- byte length, ':' and the key. Those among the course's stored run_keys
-- when it is not exec-ed (`every_run` false); every such run when its facts
-- are stale (`every_run` true: the reader matches them against the
-- document's runs). (Parameters are named apart from the columns, which
-- would win.)
CREATE FUNCTION course_run_rows(course_key text, course_run_keys text[],
                                course_exec_ed boolean, every_run boolean)
RETURNS text
LANGUAGE sql STABLE
AS $$
  SELECT COALESCE(string_agg(octet_length(r.content_key) || ':' ||
                             r.content_key, '' ORDER BY r.content_key), '')
  FROM content_metadata r
  WHERE r.parent_content_key = course_key
    AND NOT r.derived
    AND (every_run OR (NOT course_exec_ed
                       AND r.content_key = ANY(course_run_keys)))
$$;

-- A course's course_run_rows(key, run_keys, exec_ed, false), kept by the
-- triggers below and written with the facts; NULL for other types and
-- before the facts are (served_item then computes them).
ALTER TABLE content_metadata ADD COLUMN run_rows text;

UPDATE content_metadata
SET run_rows = course_run_rows(content_key, run_keys, exec_ed, false)
WHERE content_type = 'course';

-- Stores the run rows of those of `keys` that are courses with facts, where
-- they changed. A course inserted without facts yet gets its run rows with
-- them (write_item_facts.sql), so that a crawl does not write each new
-- course row twice more.
CREATE FUNCTION store_course_run_rows(keys text[]) RETURNS void
LANGUAGE sql
AS $$
  UPDATE content_metadata AS c
  SET run_rows = v.run_rows
  FROM (
    SELECT content_key,
           course_run_rows(content_key, run_keys, exec_ed, false) AS run_rows
    FROM content_metadata
    WHERE content_key = ANY(keys) AND content_type = 'course'
      AND run_keys IS NOT NULL
  ) AS v
  WHERE c.content_key = v.content_key
    AND c.run_rows IS DISTINCT FROM v.run_rows
$$;

-- After each statement that writes content rows: the courses whose run
-- rows it may have changed are those it inserted, those whose run_keys or
-- exec_ed it changed, and the parents (before and after) of the rows it
-- inserted or whose parent or derived flag it changed. Content rows are
-- never deleted. Writers of content rows in bulk hold
-- lock_content_writers.sql, so no concurrent writer's uncommitted run is
-- missed here.
CREATE FUNCTION content_run_rows_trigger() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  keys text[];
BEGIN
  -- The UPDATE of store_course_run_rows fires this trigger again, and
  -- changes nothing it would look at.
  IF pg_trigger_depth() > 1 THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(k) INTO keys
    FROM (
      SELECT content_key FROM new_rows WHERE content_type = 'course'
      UNION
      SELECT parent_content_key FROM new_rows
    ) AS a(k)
    WHERE k IS NOT NULL;
  ELSE
    SELECT array_agg(k) INTO keys
    FROM (
      SELECT n.content_key
      FROM new_rows n JOIN old_rows o USING (content_key)
      WHERE n.content_type = 'course'
        AND (n.run_keys IS DISTINCT FROM o.run_keys OR n.exec_ed <> o.exec_ed)
      UNION
      SELECT p.k
      FROM new_rows n JOIN old_rows o USING (content_key),
           LATERAL (VALUES (n.parent_content_key), (o.parent_content_key))
             AS p(k)
      WHERE n.parent_content_key IS DISTINCT FROM o.parent_content_key
         OR n.derived <> o.derived
    ) AS a(k)
    WHERE k IS NOT NULL;
  END IF;
  IF keys IS NOT NULL THEN
    PERFORM store_course_run_rows(keys);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER content_run_rows_insert
AFTER INSERT ON content_metadata
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION content_run_rows_trigger();

CREATE TRIGGER content_run_rows_update
AFTER UPDATE ON content_metadata
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION content_run_rows_trigger();

-- served_item as 0005_item_facts.sql defines it, reading a course's run
-- rows from the stored column when its facts are current; with stale facts
-- (an older binary wrote the document) every run row, as before.
CREATE OR REPLACE VIEW served_item AS
SELECT
  cm.content_key,
  cm.content_type,
  COALESCE(cm.content_uuid::text, '') AS content_uuid,
  COALESCE(cm.parent_content_key, '') AS parent_content_key,
  cm.title,
  (extract(epoch from cm.modified) * 1000000)::bigint AS modified_us,
  cm.json_metadata,
  cm.facts_hash IS NOT DISTINCT FROM cm.document_hash AS facts_current,
  cm.doc_key,
  cm.exec_ed,
  cm.advertised_run_key,
  cm.exec_ed_sku,
  cm.marketing_url,
  cm.active,
  CASE
    WHEN cm.content_type <> 'course' THEN ''
    WHEN cm.facts_hash IS NOT DISTINCT FROM cm.document_hash
         AND cm.run_rows IS NOT NULL THEN cm.run_rows
    ELSE course_run_rows(cm.content_key, cm.run_keys, cm.exec_ed,
                         cm.facts_hash IS DISTINCT FROM cm.document_hash)
  END AS run_rows
FROM content_metadata cm;

-- The full-metadata pass (GET /courses/, /programs/ merged into the stored
-- documents), Django's inclusion rules and publish events.

-- What each content row was built from, and what its full pass wants.
ALTER TABLE content_metadata
  -- md5 of the raw search/all document last merged into json_metadata: an
  -- identical document in a later crawl is not parsed or written again.
  -- NULL for rows written before this migration (they are re-merged once).
  ADD COLUMN search_hash text,
  -- The raw parts json_metadata was merged from, as discovery sent them: the
  -- last search/all document and the last full document (NULL: none yet).
  -- json_metadata is the cumulative merge (keys are never deleted), so these
  -- are for inspection and re-merging, not for serving.
  ADD COLUMN search_document text COMPRESSION lz4,
  ADD COLUMN full_document text COMPRESSION lz4,
  -- md5 of full_document: an identical full document changes nothing.
  ADD COLUMN full_hash text,
  -- The full document is wanted now: the search/all document changed, the
  -- row is new, or a publish event named it. Cleared when it is fetched.
  ADD COLUMN full_wanted boolean NOT NULL DEFAULT false,
  -- Last time the full pass asked discovery for this row and got an answer
  -- (the document, or none because discovery has no such course).
  ADD COLUMN full_fetched timestamptz,
  -- Last time discovery failed for this row: the rest of that attempt skips
  -- it, so one bad batch cannot stall the pass.
  ADD COLUMN full_failed timestamptz;

-- Existing courses and programs want their full documents.
UPDATE content_metadata SET full_wanted = true
WHERE content_type IN ('course', 'program') AND NOT derived;

-- The pass's work: courses and programs by urgency.
CREATE INDEX content_metadata_full_work_idx
  ON content_metadata (content_type, full_wanted DESC, full_fetched NULLS FIRST,
                       content_key)
  WHERE content_type IN ('course', 'program') AND NOT derived;

-- The programs a course's full document lists (Django's
-- associated_content_metadata), replaced on every full fetch of the course.
CREATE TABLE course_program (
  course_key text COLLATE "C" NOT NULL
    REFERENCES content_metadata (content_key) ON DELETE CASCADE,
  program_key text COLLATE "C" NOT NULL
    REFERENCES content_metadata (content_key) ON DELETE CASCADE,
  PRIMARY KEY (course_key, program_key)
);
CREATE INDEX course_program_program_idx ON course_program (program_key);

-- The full pass is a job like a crawl (leased, retried, pruned), with no
-- query: one at a time for the whole service.
ALTER TABLE refresh_job
  ADD COLUMN kind text NOT NULL DEFAULT 'crawl'
    CHECK (kind IN ('crawl', 'full')),
  -- Results the inclusion rules kept out of the query.
  ADD COLUMN items_excluded bigint NOT NULL DEFAULT 0,
  ALTER COLUMN catalog_query_id DROP NOT NULL,
  ADD CHECK ((kind = 'crawl') = (catalog_query_id IS NOT NULL)),
  DROP CONSTRAINT refresh_job_reason_check,
  ADD CONSTRAINT refresh_job_reason_check CHECK (reason IN (
    'created', 'updated', 'requested', 'scheduled', 'published', 'crawled'));

CREATE UNIQUE INDEX refresh_job_one_active_full
  ON refresh_job (kind) WHERE kind = 'full' AND state IN ('queued', 'running');

-- Content that some catalog's answers depend on: the members of queries
-- that catalogs use, and the programs those members' full documents list.
-- The full pass fetches only these, and its freshness is measured on them.
CREATE VIEW content_in_use AS
SELECT m.content_key
FROM catalog_query_content m
WHERE EXISTS (SELECT 1 FROM enterprise_catalog c
              WHERE c.catalog_query_id = m.catalog_query_id)
UNION
SELECT cp.program_key
FROM course_program cp
JOIN catalog_query_content m ON m.content_key = cp.course_key
WHERE EXISTS (SELECT 1 FROM enterprise_catalog c
              WHERE c.catalog_query_id = m.catalog_query_id);

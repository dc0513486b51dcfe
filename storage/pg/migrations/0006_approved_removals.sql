-- A forced refresh approves what an admin reviewed: the removals of the
-- query's held crawl (issue 14). The job then applies a crawl only if it
-- removes no more than this many members; NULL: no approval (the guardrail
-- decides as for any job). `force` stays true exactly when this is set.
ALTER TABLE refresh_job ADD COLUMN approved_removals bigint;

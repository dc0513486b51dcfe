-- Serializes the transactions that write content rows in bulk: a crawl's
-- apply, an import and a full-metadata batch take this lock before their
-- first content row, and hold it to commit or rollback. Sorting the keys of
-- one transaction does not order it against another that locks other rows
-- first (item facts, nested programs, the full pass's program rows), and two
-- crawls of overlapping queries did deadlock on a fresh database. Crawls and
-- full fetches still run in parallel; only their database writes queue.
-- The number is this lock's name (any fixed bigint; no other lock uses it).
SELECT pg_advisory_xact_lock(7304512209);

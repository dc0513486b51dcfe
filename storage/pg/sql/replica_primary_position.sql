-- The primary's side of a read replica's staleness (read_replica.h): its
-- cluster's identity, and where its write-ahead log ends, in bytes. The
-- insert position, not the flushed one: with synchronous_commit off a
-- commit returns before its record is flushed. Right after a page's header
-- (40 bytes at the start of a segment, 24 elsewhere) that position is past
-- the header, where a replica that has replayed everything never is, so the
-- header is taken off.
WITH insert_position AS (
  SELECT (lsn - '0/0'::pg_lsn)::bigint AS bytes,
         (pg_walfile_name_offset(lsn)).file_offset AS in_segment,
         current_setting('wal_block_size')::int AS page_size
  FROM pg_current_wal_insert_lsn() AS lsn
)
SELECT system_identifier,
       bytes - CASE WHEN in_segment = 40 THEN 40
                    WHEN in_segment % page_size = 24 THEN 24
                    ELSE 0 END AS written
FROM insert_position, pg_control_system();

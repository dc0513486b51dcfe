-- The replica's side of its staleness (read_replica.h): its cluster's
-- identity (a streaming replica has its primary's), whether it is a standby,
-- and how far it has replayed the primary's log, in bytes (NULL unless it is
-- a standby).
SELECT system_identifier,
       pg_is_in_recovery() AS standby,
       (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint AS replayed
FROM pg_control_system();

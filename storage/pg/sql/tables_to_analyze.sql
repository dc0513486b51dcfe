-- Which of the tables a write just changed want fresh planner statistics
-- now: those where this write alone changed at least as many rows as
-- autovacuum's analyze threshold (autovacuum_analyze_threshold +
-- autovacuum_analyze_scale_factor x the rows the planner believes the table
-- holds, none if it was never analyzed). Autovacuum would analyze them too,
-- but only on its next round (autovacuum_naptime, a minute by default), or
-- never where it is off; until then the planner plans a freshly filled
-- table as the empty one it last saw, and reads run eight times slower
-- (docs/benchmarks.md). Per-table autovacuum settings are not consulted.
-- $1 membership rows the write added or removed, $2 content rows it
-- inserted or updated.
SELECT t.name
FROM (VALUES ('catalog_query_content', $1::bigint),
             ('content_metadata', $2::bigint)) AS t(name, changed)
JOIN pg_class c ON c.oid = to_regclass(t.name)
WHERE t.changed > 0
  AND t.changed >=
    current_setting('autovacuum_analyze_threshold')::float8
    + current_setting('autovacuum_analyze_scale_factor')::float8
      * greatest(c.reltuples, 0)
ORDER BY t.name;

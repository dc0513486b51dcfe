-- Queue depth for the health sample: jobs queued, jobs running.
-- No parameters.
SELECT
  count(*) FILTER (WHERE state = 'queued'),
  count(*) FILTER (WHERE state = 'running')
FROM refresh_job;

-- The health check's "does the database answer". No parameters.
SELECT 1;

-- TRUNCATE fires no row or statement DELETE trigger, so 0008's
-- notifications cannot describe it: it announces 'reset' instead, and every
-- membership index loads itself again whole (membership_feed.cc). The
-- service never truncates; an operator restoring or a test emptying tables
-- does.
CREATE FUNCTION announce_membership_reset() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM pg_notify('ec_membership', 'reset');
  RETURN NULL;
END
$$;

CREATE TRIGGER members_truncated
AFTER TRUNCATE ON catalog_query_content
FOR EACH STATEMENT EXECUTE FUNCTION announce_membership_reset();

CREATE TRIGGER catalogs_truncated
AFTER TRUNCATE ON enterprise_catalog
FOR EACH STATEMENT EXECUTE FUNCTION announce_membership_reset();

CREATE TRIGGER queries_truncated
AFTER TRUNCATE ON catalog_query
FOR EACH STATEMENT EXECUTE FUNCTION announce_membership_reset();

CREATE TRIGGER content_truncated
AFTER TRUNCATE ON content_metadata
FOR EACH STATEMENT EXECUTE FUNCTION announce_membership_reset();

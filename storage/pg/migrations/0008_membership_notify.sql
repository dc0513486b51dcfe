-- Every change that can change a contains answer is announced on channel
-- ec_membership in the transaction that makes it (delivered when it
-- commits), so that the membership index of every serving process
-- (index/README.md) can follow PostgreSQL across replicas. Triggers, so that
-- every writer is covered: the workers, imports, an older binary, an
-- operator's SQL.
--
-- Payloads:
--   query:<catalog_query id>:<members_version>  the query's members changed;
--       members_version grows by one with each statement that changed them,
--       under the query row lock every writer of members holds, so a
--       process that reads a query's members with their version can drop
--       any notification older than what it holds.
--   catalog:<uuid>  a catalog was created or deleted, or moved to another
--       query or enterprise.

ALTER TABLE catalog_query ADD COLUMN members_version bigint NOT NULL DEFAULT 0;

CREATE FUNCTION announce_member_changes() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
  bumped record;
BEGIN
  -- Each trigger names its transition table changed_rows (new rows of an
  -- insert, old rows of a delete). A statement that changed nothing bumps
  -- nothing.
  FOR bumped IN
    UPDATE catalog_query q
    SET members_version = q.members_version + 1
    WHERE q.id IN (SELECT DISTINCT c.catalog_query_id FROM changed_rows c)
    RETURNING q.id, q.members_version
  LOOP
    PERFORM pg_notify('ec_membership',
                      'query:' || bumped.id || ':' || bumped.members_version);
  END LOOP;
  RETURN NULL;
END
$$;

CREATE TRIGGER members_inserted
AFTER INSERT ON catalog_query_content
REFERENCING NEW TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION announce_member_changes();

CREATE TRIGGER members_deleted
AFTER DELETE ON catalog_query_content
REFERENCING OLD TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION announce_member_changes();

CREATE FUNCTION announce_catalog_change() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  PERFORM pg_notify('ec_membership',
                    'catalog:' || COALESCE(NEW.uuid, OLD.uuid));
  RETURN NULL;
END
$$;

CREATE TRIGGER catalog_created_or_deleted
AFTER INSERT OR DELETE ON enterprise_catalog
FOR EACH ROW EXECUTE FUNCTION announce_catalog_change();

-- Not a new title: only what the contains answers read.
CREATE TRIGGER catalog_moved
AFTER UPDATE ON enterprise_catalog
FOR EACH ROW
WHEN (OLD.catalog_query_id IS DISTINCT FROM NEW.catalog_query_id
      OR OLD.enterprise_uuid IS DISTINCT FROM NEW.enterprise_uuid)
EXECUTE FUNCTION announce_catalog_change();

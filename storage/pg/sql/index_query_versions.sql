-- Every catalog query's members_version (0008_membership_notify.sql), read
-- with its members for the membership index (membership_loader.cc).
SELECT id, members_version
FROM catalog_query;

-- Whether the seed may switch triggers off for a transaction (session_replication_role) and
-- load in parallel with foreign-key checks off: superusers only.
select rolsuper from pg_roles where rolname = current_user

-- Down script of 001_foundation: removes exactly what the phase created (tables take their
-- indexes, constraints and triggers with them). vrss-db refuses to run it on tables that hold
-- rows unless --force is given.
drop table if exists storage_usage, subscription_tiers, user_profiles, users;
drop function if exists vrss_create_storage_row(), vrss_set_updated_at();

-- The cluster a server belongs to: a streaming standby has its primary's identifier.
select system_identifier::text as system_identifier from pg_control_system()

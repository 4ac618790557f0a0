-- $1 version: removed in the same transaction as the phase's down script.
delete from schema_migrations where version = $1

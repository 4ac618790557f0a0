-- $1 version: whether it is recorded (re-checked inside the phase's own transaction).
select 1 as applied from schema_migrations where version = $1

-- $1 version, $2 name, $3 checksum, $4 execution ms, $5 client host name
insert into schema_migrations (version, name, checksum, execution_ms, applied_by)
values ($1, $2, $3, $4, format('%s@%s', current_user, $5::text))

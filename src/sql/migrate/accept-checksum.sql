-- $1 version, $2 checksum: migrate --accept-edited records the edited file's checksum.
update schema_migrations set checksum = $2 where version = $1

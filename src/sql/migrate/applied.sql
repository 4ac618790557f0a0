-- Applied phases, oldest first; no rows when the bookkeeping table does not exist yet.
select version, name, checksum, applied_at, execution_ms, applied_by
from schema_migrations
order by version

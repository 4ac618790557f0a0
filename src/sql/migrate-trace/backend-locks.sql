-- The table-level locks this backend holds in the current database, on the schema's own
-- relations (catalog locks every statement takes are left out). Read inside the traced
-- transaction, so relations it created are visible by name.
select l.relation::int8 as oid, l.mode
from pg_locks l
join pg_class c on c.oid = l.relation
join pg_namespace n on n.oid = c.relnamespace
where l.pid = pg_backend_pid()
  and l.locktype = 'relation'
  and l.granted
  and l.database = (select oid from pg_database where datname = current_database())
  and n.nspname = current_schema()

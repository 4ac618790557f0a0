-- Every table, index, view and sequence of the schema with its file node: a statement that
-- rewrites one gives it a new relfilenode.
select c.oid::int8 as oid, c.relname as name, c.relkind as kind, c.relfilenode::int8 as filenode
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = current_schema()
  and c.relkind in ('r', 'p', 'i', 'I', 'm', 'v', 'S')

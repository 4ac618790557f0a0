-- Indexes left INVALID by a failed CREATE INDEX CONCURRENTLY, in the current schema.
select c.relname as index, t.relname as table
from pg_index i
join pg_class c on c.oid = i.indexrelid
join pg_class t on t.oid = i.indrelid
join pg_namespace n on n.oid = c.relnamespace
where not i.indisvalid
  and n.nspname = current_schema()
order by c.relname

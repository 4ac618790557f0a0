-- Whether each of the named indexes ($1) exists in the current schema, and is valid.
select c.relname as index, i.indisvalid as valid
from pg_index i
join pg_class c on c.oid = i.indexrelid
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = current_schema()
  and c.relname = any($1::text[])
order by c.relname

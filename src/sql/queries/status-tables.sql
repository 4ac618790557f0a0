-- Which of the given tables ($1: text[]) exist in the current schema, with estimated row counts.
select c.relname as name,
       greatest(c.reltuples, 0)::bigint as estimated_rows,
       pg_total_relation_size(c.oid) as total_bytes
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = current_schema()
  and c.relkind in ('r', 'p')
  and c.relname = any($1::text[])
order by c.relname

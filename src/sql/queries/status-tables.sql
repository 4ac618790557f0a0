-- Which of the given tables ($1: text[]) exist in the current schema, with the planner's row
-- estimate (-1: never analyzed, no estimate).
select c.relname as name,
       c.reltuples::bigint as estimated_rows,
       pg_total_relation_size(c.oid) as total_bytes
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = current_schema()
  and c.relkind in ('r', 'p')
  and c.relname = any($1::text[])
order by c.relname

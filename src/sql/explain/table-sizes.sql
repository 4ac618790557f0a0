-- The planner's row estimate of each of the given tables ($1: text[]) in the current schema,
-- printed under explain's timings (never below 0: -1 means never analyzed).
select c.relname as table, greatest(c.reltuples, 0)::bigint as rows
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = current_schema()
  and c.relname = any($1::text[])
order by c.relname

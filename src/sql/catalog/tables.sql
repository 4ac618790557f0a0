-- The tables of schema $1 (not an extension's), for the drift snapshot.
select c.relname as name, c.relpersistence = 'u' as unlogged
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = $1 and c.relkind in ('r', 'p')
  and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype = 'e')
order by c.relname

-- Views and materialized views of schema $1 with their definitions.
select c.relname as name, c.relkind = 'm' as materialized, pg_get_viewdef(c.oid) as definition
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = $1 and c.relkind in ('v', 'm')
  and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype = 'e')
order by c.relname

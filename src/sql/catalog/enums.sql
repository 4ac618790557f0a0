-- Enum types of schema $1 with their labels in order.
select t.typname as name, array_agg(e.enumlabel::text order by e.enumsortorder) as labels
from pg_type t
join pg_namespace n on n.oid = t.typnamespace
join pg_enum e on e.enumtypid = t.oid
where n.nspname = $1
  and not exists (select 1 from pg_depend d where d.objid = t.oid and d.deptype = 'e')
group by t.typname
order by t.typname

-- Sequences of schema $1: their settings (never their current value) and the column that owns
-- them; `identity` marks those of identity columns (deptype 'i'), created by the column itself.
select c.relname as name, format_type(s.seqtypid, null) as type,
       s.seqstart::text as start, s.seqincrement::text as increment,
       s.seqmin::text as min, s.seqmax::text as max, s.seqcache::text as cache,
       s.seqcycle as cycle,
       o.table as owned_by_table, o.column as owned_by_column,
       coalesce(o.deptype = 'i', false) as identity
from pg_sequence s
join pg_class c on c.oid = s.seqrelid
join pg_namespace n on n.oid = c.relnamespace
left join lateral (
  select t.relname as table, a.attname as column, d.deptype
  from pg_depend d
  join pg_class t on t.oid = d.refobjid
  join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
  where d.classid = 'pg_class'::regclass and d.objid = c.oid
    and d.refclassid = 'pg_class'::regclass and d.deptype in ('a', 'i')
  limit 1
) o on true
where n.nspname = $1
  and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype = 'e')
order by c.relname

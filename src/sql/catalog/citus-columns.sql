-- Columns of the ordinary and partitioned tables in the current schema, for the Citus readiness
-- check (status --citus-readiness): whether a table has its planned distribution column, and
-- which columns draw their values from a sequence (identity, or a serial's nextval default).
select c.relname as "table",
       a.attname as "column",
       format_type(a.atttypid, a.atttypmod) as type,
       (a.attidentity <> '' or coalesce(pg_get_expr(d.adbin, d.adrelid), '') like 'nextval(%') as sequence
from pg_attribute a
join pg_class c on c.oid = a.attrelid
join pg_namespace n on n.oid = c.relnamespace
left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
where n.nspname = current_schema()
  and c.relkind in ('r', 'p')
  and a.attnum > 0
  and not a.attisdropped
order by c.relname, a.attnum

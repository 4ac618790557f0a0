-- Every live column of the tables of schema $1. Defaults and generated expressions as
-- pg_get_expr prints them, so both sides of a comparison are printed by the same server.
select c.relname as table, a.attname as name,
       format_type(a.atttypid, a.atttypmod) as type,
       a.attnotnull as not_null,
       case when a.attgenerated = '' then pg_get_expr(d.adbin, d.adrelid) end as default,
       case when a.attgenerated <> '' then pg_get_expr(d.adbin, d.adrelid) end as generated,
       nullif(a.attidentity, '') as identity,
       case when a.attcollation <> t.typcollation then quote_ident(co.collname) end as collation
from pg_attribute a
join pg_class c on c.oid = a.attrelid and c.relkind in ('r', 'p')
join pg_namespace n on n.oid = c.relnamespace
join pg_type t on t.oid = a.atttypid
left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
left join pg_collation co on co.oid = a.attcollation
where n.nspname = $1 and a.attnum > 0 and not a.attisdropped
order by c.relname, a.attnum

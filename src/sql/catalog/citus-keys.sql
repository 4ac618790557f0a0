-- Primary keys, unique constraints and unique indexes in the current schema, with their key
-- columns (null for an expression), for the Citus readiness check: a distributed table's unique
-- keys must contain its distribution column.
select case when con.contype = 'p' then 'primary key'
            when con.contype = 'u' then 'unique constraint'
            else 'unique index' end as kind,
       coalesce(con.conname, ic.relname) as name,
       t.relname as "table",
       array(
         select a.attname::text
         from unnest(i.indkey::int2[]) with ordinality as k(attnum, position)
         left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
         where k.position <= i.indnkeyatts
         order by k.position
       ) as columns
from pg_index i
join pg_class ic on ic.oid = i.indexrelid
join pg_class t on t.oid = i.indrelid
join pg_namespace n on n.oid = t.relnamespace
left join pg_constraint con on con.conindid = i.indexrelid and con.contype in ('p', 'u')
where n.nspname = current_schema()
  and t.relkind in ('r', 'p')
  and i.indisunique
order by t.relname, 2

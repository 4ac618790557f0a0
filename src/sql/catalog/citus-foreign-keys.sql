-- Foreign keys between tables of the current schema, with the columns on both sides in order,
-- for the Citus readiness check (which foreign keys can stay once the tables are distributed).
select con.conname as name,
       t.relname as "table",
       array(select a.attname::text
             from unnest(con.conkey) with ordinality as k(attnum, position)
             join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum
             order by k.position) as columns,
       r.relname as "references",
       array(select a.attname::text
             from unnest(con.confkey) with ordinality as k(attnum, position)
             join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum
             order by k.position) as "referencedColumns"
from pg_constraint con
join pg_class t on t.oid = con.conrelid
join pg_class r on r.oid = con.confrelid
join pg_namespace n on n.oid = t.relnamespace
where con.contype = 'f'
  and n.nspname = current_schema()
order by t.relname, con.conname

-- Single-column foreign keys between the given tables ($1) of the current schema, to count
-- rows that point at nothing (possible only after an interrupted load with checks off).
select con.conname as constraint,
       c.relname as table, a.attname as column,
       p.relname as references, pa.attname as referenced_column
from pg_constraint con
join pg_class c on c.oid = con.conrelid
join pg_namespace n on n.oid = c.relnamespace
join pg_class p on p.oid = con.confrelid
join pg_attribute a on a.attrelid = con.conrelid and a.attnum = con.conkey[1]
join pg_attribute pa on pa.attrelid = con.confrelid and pa.attnum = con.confkey[1]
where con.contype = 'f'
  and cardinality(con.conkey) = 1
  and n.nspname = current_schema()
  and c.relname = any($1::text[])
order by 2, 1

-- Tables that are not VRSS's ($1: the VRSS table names) but hang on VRSS tables of the current
-- schema: by a foreign key, or as a child (inheritance or partition) that TRUNCATE would empty
-- too. Emptying a VRSS table must never reach into such a table.
select distinct
  format('%I.%I', cn.nspname, c.relname) as table,
  con.conname as constraint,
  p.relname as references
from pg_constraint con
join pg_class c on c.oid = con.conrelid
join pg_namespace cn on cn.oid = c.relnamespace
join pg_class p on p.oid = con.confrelid
join pg_namespace pn on pn.oid = p.relnamespace
where con.contype = 'f'
  and pn.nspname = current_schema()
  and p.relname = any($1::text[])
  and not (cn.nspname = current_schema() and c.relname = any($1::text[]))
union
select format('%I.%I', cn.nspname, c.relname), 'inherits from', p.relname
from pg_inherits i
join pg_class c on c.oid = i.inhrelid
join pg_namespace cn on cn.oid = c.relnamespace
join pg_class p on p.oid = i.inhparent
join pg_namespace pn on pn.oid = p.relnamespace
where pn.nspname = current_schema()
  and p.relname = any($1::text[])
  and not (cn.nspname = current_schema() and c.relname = any($1::text[]))
order by 1, 2

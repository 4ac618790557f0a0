-- The tables of $2 that exist in the live schema $1, with their storage parameters
-- (fillfactor…: LIKE does not copy them) and whether they have an id identity column.
select c.relname as name, coalesce(array_to_string(c.reloptions, ', '), '') as reloptions,
       exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'id'
               and a.attidentity <> '') as has_identity
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = $1 and c.relkind = 'r' and c.relname = any($2::text[])
order by array_position($2::text[], c.relname::text)

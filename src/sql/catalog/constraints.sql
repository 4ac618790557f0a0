-- Table constraints of schema $1. NOT NULL is a column property here (PostgreSQL 18 also lists
-- it in pg_constraint), so contype 'n' is left out and every version compares alike.
select c.relname as table, k.conname as name, k.contype as type,
       pg_get_constraintdef(k.oid) as definition, k.convalidated as validated
from pg_constraint k
join pg_class c on c.oid = k.conrelid
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = $1 and k.contype in ('c', 'f', 'p', 'u', 'x', 't')
order by c.relname, k.conname

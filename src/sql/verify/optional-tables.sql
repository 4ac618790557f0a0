-- Which of the tables $2 (added by later phases) exist in the live schema $1: the scratch
-- schema of `verify-triggers --concurrency` copies them too.
select c.relname as name
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = $1 and c.relkind = 'r' and c.relname = any($2::text[])

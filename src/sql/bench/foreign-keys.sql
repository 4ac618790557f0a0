-- The foreign keys of the live schema $1 between the tables $2, as ALTER TABLE clauses. Run
-- with the live schema alone on the search_path, so the referenced tables come unqualified
-- and resolve to the scratch copies when the clauses run.
select t.relname as table, c.conname as name, pg_get_constraintdef(c.oid) as definition
from pg_constraint c
join pg_class t on t.oid = c.conrelid
join pg_class r on r.oid = c.confrelid
join pg_namespace n on n.oid = t.relnamespace
where c.contype = 'f' and n.nspname = $1
  and t.relname = any($2::text[]) and r.relname = any($2::text[])
  and r.relnamespace = n.oid

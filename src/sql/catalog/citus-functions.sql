-- The source of the functions in the current schema, for the Citus readiness check: the tables a
-- trigger function (and the functions it calls) names are the tables it touches.
select p.proname as name, p.prosrc as source
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
where n.nspname = current_schema()
  and p.prokind = 'f'
order by p.proname

-- User triggers of the tables of schema $1 (not the internal ones behind foreign keys).
select c.relname as table, g.tgname as name, pg_get_triggerdef(g.oid) as definition,
       g.tgenabled as enabled
from pg_trigger g
join pg_class c on c.oid = g.tgrelid
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = $1 and not g.tgisinternal
order by c.relname, g.tgname

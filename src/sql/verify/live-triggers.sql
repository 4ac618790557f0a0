-- The triggers of the live schema ($1) on the tables copied for `verify-triggers --concurrency`
-- ($2), as CREATE TRIGGER statements, with whether each is enabled (tgenabled 'D': disabled).
select pg_get_triggerdef(tg.oid) as definition, tg.tgname as name, t.relname as table,
       tg.tgenabled::text as enabled
from pg_trigger tg
join pg_class t on t.oid = tg.tgrelid
join pg_namespace n on n.oid = t.relnamespace
where not tg.tgisinternal and n.nspname = $1 and t.relname = any($2::text[])

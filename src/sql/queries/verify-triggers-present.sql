-- Every user trigger of the current schema with its table, function, state and definition.
select tg.tgname as name, t.relname as "table", p.proname as function, tg.tgenabled::text as enabled,
       pg_get_triggerdef(tg.oid) as definition
from pg_trigger tg
join pg_class t on t.oid = tg.tgrelid
join pg_namespace n on n.oid = t.relnamespace
join pg_proc p on p.oid = tg.tgfoid
where not tg.tgisinternal
  and n.nspname = current_schema()

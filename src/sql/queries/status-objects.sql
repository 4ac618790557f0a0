-- Indexes and user triggers in the current schema, for comparing with the phases' manifest
-- (status, verify-triggers).
select 'index' as kind, c.relname as name, t.relname as "table", i.indisvalid as valid,
       null::text as function, null::text as enabled, null::text as definition
from pg_index i
join pg_class c on c.oid = i.indexrelid
join pg_class t on t.oid = i.indrelid
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = current_schema()
union all
select 'trigger', tg.tgname, t.relname, true, p.proname, tg.tgenabled::text, pg_get_triggerdef(tg.oid)
from pg_trigger tg
join pg_class t on t.oid = tg.tgrelid
join pg_namespace n on n.oid = t.relnamespace
join pg_proc p on p.oid = tg.tgfoid
where not tg.tgisinternal
  and n.nspname = current_schema()

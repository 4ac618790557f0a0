-- Indexes and user triggers in the current schema, for comparing with the phases' manifest
-- (status, verify-triggers). An index that a CREATE INDEX CONCURRENTLY is building right now is
-- not valid yet, but not broken either: building names the backend that builds it (visible to
-- the same role, or with pg_read_all_stats).
select 'index' as kind, c.relname as name, t.relname as "table", i.indisvalid as valid,
       null::text as function, null::text as enabled, null::text as definition,
       (select p.pid from pg_stat_progress_create_index p where p.index_relid = i.indexrelid
        limit 1) as building
from pg_index i
join pg_class c on c.oid = i.indexrelid
join pg_class t on t.oid = i.indrelid
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = current_schema()
union all
select 'trigger', tg.tgname, t.relname, true, p.proname, tg.tgenabled::text, pg_get_triggerdef(tg.oid),
       null::int
from pg_trigger tg
join pg_class t on t.oid = tg.tgrelid
join pg_namespace n on n.oid = t.relnamespace
join pg_proc p on p.oid = tg.tgfoid
where not tg.tgisinternal
  and n.nspname = current_schema()

-- User triggers in the current schema and the function each one calls, for the Citus readiness
-- check: a trigger on a distributed table runs on the shard, so what its function touches
-- decides whether it still holds.
select tg.tgname as name,
       t.relname as "table",
       p.proname as function,
       (tg.tgtype & 1) = 1 as "rowLevel"
from pg_trigger tg
join pg_class t on t.oid = tg.tgrelid
join pg_namespace n on n.oid = t.relnamespace
join pg_proc p on p.oid = tg.tgfoid
where not tg.tgisinternal
  and n.nspname = current_schema()
order by t.relname, tg.tgname

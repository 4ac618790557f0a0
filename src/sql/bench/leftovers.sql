-- Scratch schemas of vrss-db bench ($1: their marker comment) whose run is over: a live run
-- holds a session advisory lock keyed on the schema's name from before it creates the schema
-- until after it drops it.
select n.nspname as name
from pg_namespace n
where n.nspname ~ '^vrss_bench_[0-9a-f]{8}_(real|floor)$'
  and obj_description(n.oid, 'pg_namespace') = $1
  and not exists (
    select 1
    from pg_locks l
    where l.locktype = 'advisory'
      and l.granted
      and l.objsubid = 1
      and l.database = (select oid from pg_database where datname = current_database())
      and ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended(substr(n.nspname, 1, 19), 0)
  )
order by n.nspname

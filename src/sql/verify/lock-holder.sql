-- Who holds a lock on a proof's tables or their id sequences ($1: table names) that a proof
-- gave up waiting for: another session's granted lock, the strongest and oldest first. Asked
-- right after the proof gave up, so its own wait is over.
select c.relname as relation, a.pid, a.application_name, a.state,
       extract(epoch from now() - a.state_change)::int as state_seconds
from pg_locks l
join pg_class c on c.oid = l.relation
join pg_stat_activity a on a.pid = l.pid
where l.locktype = 'relation'
  and l.granted
  and l.pid <> pg_backend_pid()
  and l.database = (select oid from pg_database where datname = current_database())
  and (c.oid = any (select to_regclass(t) from unnest($1::text[]) t)
       or c.oid = any (select pg_get_serial_sequence(t, 'id')::regclass
                       from unnest($1::text[]) t where to_regclass(t) is not null))
order by l.mode = 'AccessExclusiveLock' desc, a.xact_start nulls last
limit 1

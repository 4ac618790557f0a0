-- Who holds the lock a statement gave up waiting for (lock_timeout, statement_timeout): another
-- session's granted lock on a relation of this database, with its holder. Asked right after the
-- statement gave up, so its own wait is over and pg_blocking_pids() has nothing left to say.
--   $1 null: any ACCESS EXCLUSIVE lock — the one lock that blocks even plain reads (DDL,
--            LOCK TABLE, VACUUM FULL);
--   $1 table names: any lock on those tables or their id sequences (a proof's tables), the
--            strongest and oldest first.
select c.relname as relation, a.pid, a.application_name, a.state,
       extract(epoch from now() - a.state_change)::int as state_seconds
from pg_locks l
join pg_class c on c.oid = l.relation
join pg_stat_activity a on a.pid = l.pid
where l.locktype = 'relation'
  and l.granted
  and l.pid <> pg_backend_pid()
  and l.database = (select oid from pg_database where datname = current_database())
  and case
    when $1::text[] is null then l.mode = 'AccessExclusiveLock'
    else c.oid = any (select to_regclass(t) from unnest($1::text[]) t)
      or c.oid = any (select pg_get_serial_sequence(t, 'id')::regclass
                      from unnest($1::text[]) t where to_regclass(t) is not null)
  end
order by l.mode = 'AccessExclusiveLock' desc, c.relkind = 'r' desc, a.xact_start nulls last
limit 1

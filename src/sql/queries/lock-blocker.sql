-- Why a statement gave up (lock_timeout, statement_timeout): another session's granted ACCESS
-- EXCLUSIVE lock on a relation of this database — the one lock that blocks even plain reads
-- (DDL, LOCK TABLE, VACUUM FULL) — with its holder. Asked right after the statement gave up, so
-- its own wait is over and pg_blocking_pids() has nothing left to say.
select c.relname as relation, a.pid, a.application_name, a.state,
       extract(epoch from now() - a.state_change)::int as state_seconds
from pg_locks l
join pg_class c on c.oid = l.relation
join pg_stat_activity a on a.pid = l.pid
where l.locktype = 'relation'
  and l.granted
  and l.mode = 'AccessExclusiveLock'
  and l.database = (select oid from pg_database where datname = current_database())
  and l.pid <> pg_backend_pid()
order by c.relkind = 'r' desc, a.xact_start
limit 1

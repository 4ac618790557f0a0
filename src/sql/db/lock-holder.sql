-- The session holding the advisory lock named $1 in this database, for the "held by …" message:
-- a session lock on a bigint key is split into classid (high 32 bits) and objid (low 32 bits),
-- with objsubid = 1.
select a.pid, a.application_name, host(a.client_addr) as client_addr, a.state, a.backend_start
from pg_locks l
join pg_stat_activity a on a.pid = l.pid
where l.locktype = 'advisory'
  and l.granted
  and l.objsubid = 1
  and l.database = (select oid from pg_database where datname = current_database())
  and ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($1, 0)
limit 1

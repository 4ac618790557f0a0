-- The transactions open now in this database's client sessions, other than our own: the ones
-- that may have written a post or a follow without seeing a reader enrolled just before.
select coalesce(array_agg(l.virtualxid::text), '{}') as open
from pg_locks l
join pg_stat_activity a on a.pid = l.pid
where l.locktype = 'virtualxid' and l.granted and l.pid <> pg_backend_pid()
  and a.datname = current_database() and a.backend_type = 'client backend'

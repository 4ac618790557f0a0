-- The transactions that have written something and are still open in this database, other than
-- our own, by transaction id (each holds the lock on its own id: pg_locks, which every role may
-- read in full, unlike other roles' rows of pg_stat_activity), and prepared (two-phase)
-- transactions, which have left their session. One that has written nothing yet is not waited
-- for: at READ COMMITTED the trigger statement that writes a post's entries or a follow's source
-- takes its snapshot after the transaction's first write, so it sees whatever was committed
-- before. (Read-only sessions such as pg_dump never hold enrolment up.)
select coalesce(array_agg(x.xid), '{}') as open
from (
  select l.transactionid::text as xid
  from pg_locks l
  join pg_stat_activity a on a.pid = l.pid
  where l.locktype = 'transactionid' and l.mode = 'ExclusiveLock' and l.granted
    and l.pid <> pg_backend_pid() and a.datname = current_database()
  union
  select p.transaction::text from pg_prepared_xacts p where p.database = current_database()
) x

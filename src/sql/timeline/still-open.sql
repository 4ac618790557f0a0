-- How many of the transactions $1 (transactions.sql) are still open.
select count(*)::int as open
from (
  select l.transactionid::text as xid from pg_locks l
  where l.locktype = 'transactionid' and l.mode = 'ExclusiveLock' and l.granted
  union
  select p.transaction::text from pg_prepared_xacts p
) x
where x.xid = any($1::text[])

-- How many of the transactions $1 (transactions.sql) are still open.
select count(*)::int as open
from pg_locks l
where l.locktype = 'virtualxid' and l.virtualxid::text = any($1::text[])

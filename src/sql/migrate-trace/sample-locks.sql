-- One sample of the table-level locks the traced backend ($1, its pid) holds, read from a second
-- connection while its statement runs: a statement outside a transaction releases them when it
-- ends. Relations are resolved to names afterwards (one created by the running statement is not
-- visible here yet).
select l.relation::int8 as oid, l.mode
from pg_locks l
where l.pid = $1
  and l.locktype = 'relation'
  and l.granted
  and l.database = (select oid from pg_database where datname = current_database())

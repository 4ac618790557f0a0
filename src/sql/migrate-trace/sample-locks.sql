-- One sample of the locks the traced backend ($1, its pid) holds or waits for, read from a
-- second connection while its statement runs: a statement outside a transaction releases its
-- locks when it ends. Granted table-level locks of this database are what the trace reports;
-- a lock not granted says the statement waits (for instance for the sampler's own snapshot).
-- Relations are resolved to names afterwards (one the running statement creates is not
-- visible here yet).
select l.relation::int8 as oid, l.mode, l.granted
from pg_locks l
where l.pid = $1
  and (not l.granted
       or (l.locktype = 'relation'
           and l.database = (select oid from pg_database where datname = current_database())))

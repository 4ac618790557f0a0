-- Where the primary's WAL is now: what a replica must have replayed to show every change
-- committed before this moment.
select pg_current_wal_lsn()::text as lsn

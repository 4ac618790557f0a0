-- Hot standby facts for `vrss-db status` (all null on a primary). The lag is the time since
-- the last transaction the standby replayed was committed on the primary: it also grows while
-- the primary is idle. replay_pending_bytes: WAL received but not replayed yet.
select pg_is_in_recovery() as in_recovery,
       extract(epoch from now() - pg_last_xact_replay_timestamp())::float8 as replay_lag_seconds,
       pg_last_xact_replay_timestamp() as last_replay_at,
       pg_last_wal_receive_lsn()::text as receive_lsn,
       pg_last_wal_replay_lsn()::text as replay_lsn,
       greatest(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0)::float8
         as replay_pending_bytes

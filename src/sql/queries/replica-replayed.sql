-- How far a standby has replayed, against a position of its primary ($1): caught up once its
-- replay position reaches it; bytes_behind is null when it has replayed nothing yet.
select pg_last_wal_replay_lsn()::text as replay_lsn,
       coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) as caught_up,
       greatest(pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn()), 0)::float8 as bytes_behind

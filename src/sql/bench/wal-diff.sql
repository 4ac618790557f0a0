-- Bytes of WAL between two positions. $1: later position, $2: earlier position.
select pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::bigint as bytes

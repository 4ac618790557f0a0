-- The standbys streaming from this server, with their lag (`vrss-db status` on a primary).
-- Without the privileges of pg_read_all_stats (superusers and pg_monitor have them), PostgreSQL
-- hides every column of a WAL sender but its pid, role and application_name: `visible` says
-- whether this role sees them (state is never null when shown), rather than show nulls as facts.
select application_name,
       client_addr::text as client_addr,
       state,
       sync_state,
       extract(epoch from write_lag)::float8 as write_lag_seconds,
       extract(epoch from flush_lag)::float8 as flush_lag_seconds,
       extract(epoch from replay_lag)::float8 as replay_lag_seconds,
       replay_lsn::text as replay_lsn,
       case when pg_is_in_recovery() then null
            else pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 end as bytes_behind,
       state is not null as visible
  from pg_stat_replication
 order by application_name, client_addr

-- What a CREATE INDEX CONCURRENTLY running in backend $1 is doing, and whom it waits for.
-- The "waiting for …" phases wait for every transaction older than the build's snapshot,
-- including an application session left idle in a transaction.
select
  p.phase,
  coalesce(p.index_relid::regclass::text, '') as index,
  coalesce(
    (
      select json_agg(json_build_object(
        'pid', a.pid,
        'applicationName', a.application_name,
        'state', a.state,
        'transactionStart', a.xact_start
      ) order by a.xact_start)
      from pg_stat_activity a
      where a.pid = any(pg_blocking_pids(p.pid))
    ),
    '[]'::json
  ) as blockers
from pg_stat_progress_create_index p
where p.pid = $1

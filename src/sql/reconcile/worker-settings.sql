-- A reconcile worker's session settings (reset when the connection goes back to the pool):
-- lock_timeout $1 for repairs (null keeps the session's own), synchronous_commit off and no
-- parallel query (src/lib/reconcile/engine.ts says why).
select set_config('lock_timeout', coalesce($1::text, current_setting('lock_timeout')), false),
       set_config('synchronous_commit', 'off', false),
       set_config('max_parallel_workers_per_gather', '0', false)

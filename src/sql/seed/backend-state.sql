-- The state of the backend $1 running a COPY: 'idle in transaction (aborted)' means the server
-- rejected the rows (see copyRows in src/lib/seed/load.ts).
select state from pg_stat_activity where pid = $1

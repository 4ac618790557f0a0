-- Tries the session advisory lock named $1 once (never waits), and says which backend asked:
-- the lock belongs to that session, so every later statement must reach the same one.
select pg_try_advisory_lock(hashtextextended($1, 0)) as locked, pg_backend_pid() as pid

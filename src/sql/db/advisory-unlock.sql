-- Releases the session advisory lock named $1 (taken by db/advisory-try-lock).
select pg_advisory_unlock(hashtextextended($1, 0))

-- Locks the posts that looked drifted ($1: ids) until the batch commits: a trigger updating one
-- of their counters needs the same row lock, so nothing can change them between the recount
-- that follows (a new snapshot) and the write.
select count(*) as locked
from (select id from posts where id = any($1::bigint[]) order by id for update) l

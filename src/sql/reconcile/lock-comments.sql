-- Locks the comments that looked drifted ($1: ids) for the batch (see lock-posts.sql).
select count(*) as locked
from (select id from comments where id = any($1::bigint[]) order by id for update) l

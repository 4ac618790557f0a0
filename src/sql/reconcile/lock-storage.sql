-- Locks the storage rows of the users that looked drifted ($1: user ids) for the batch.
select count(*) as locked
from (select id from storage_usage where user_id = any($1::bigint[]) order by user_id for update) l

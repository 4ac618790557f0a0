-- Mutual follows without a friendships row (reported, never changed): how many, and the first
-- $1 pairs. First the follows a→b (a < b) with no friendship — a merge anti-join of two index
-- scans, leaving mostly one-way follows — then, of those, the ones followed back. This order
-- reads each table once, far cheaper than joining all follows with all follows first.
with unfriended as materialized (
  select a.follower_id as user_id_1, a.following_id as user_id_2
  from user_follows a
  where a.follower_id < a.following_id
    and not exists (select 1 from friendships f
                    where f.user_id_1 = a.follower_id and f.user_id_2 = a.following_id)
),
missing as (
  select u.user_id_1, u.user_id_2
  from unfriended u
  where exists (select 1 from user_follows b
                where b.follower_id = u.user_id_2 and b.following_id = u.user_id_1)
)
select count(*) as total,
       coalesce((select json_agg(m) from (select * from missing order by 1, 2 limit $1) m), '[]') as examples
from missing

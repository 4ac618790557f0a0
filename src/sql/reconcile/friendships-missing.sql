-- Mutual follows without a friendships row (reported, never changed): how many, and the first
-- $1 pairs.
with missing as (
  select a.follower_id as user_id_1, a.following_id as user_id_2
  from user_follows a
  join user_follows b on b.follower_id = a.following_id and b.following_id = a.follower_id
  where a.follower_id < a.following_id
    and not exists (select 1 from friendships f
                    where f.user_id_1 = a.follower_id and f.user_id_2 = a.following_id)
)
select (select count(*) from missing) as total,
       coalesce((select json_agg(m) from (select * from missing order by 1, 2 limit $1) m), '[]') as examples

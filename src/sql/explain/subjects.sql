-- Representative subjects for the named queries (docs/performance.md): a power reader (most
-- followees), a typical reader (closest to 200 followees, another user than the power reader
-- when there is one: on small data the two would otherwise be the same), a sparse reader (20–80
-- followees who post the least), a reader of many quiet accounts (1,000 followees or more, the
-- fewest posts per followee, at most 2 each: phase 9's case), the user with most friendships, most unread notifications,
-- most stored bytes, and the most commented post.
with posts_by_user as (
  select user_id, count(*) as n from posts
  where status = 'published' and deleted_at is null
  group by user_id
),
reach as (
  select f.follower_id as id, count(*) as followees, coalesce(sum(p.n), 0) as posts
  from user_follows f
  left join posts_by_user p on p.user_id = f.following_id
  group by f.follower_id
),
power_reader as (
  select id from reach order by followees desc, id limit 1
)
select
  coalesce(
    (select id from reach where id <> (select id from power_reader) order by abs(followees - 200), id limit 1),
    (select id from power_reader)
  ) as typical,
  (select id from power_reader) as power,
  (select id from reach where followees between 20 and 80 order by posts, id limit 1) as sparse,
  (select id from reach where followees >= 1000 and posts <= 2 * followees
   order by posts::float8 / followees, id limit 1) as quiet_many,
  (select u from (select user_id_1 as u from friendships union all select user_id_2 from friendships) x
   group by u order by count(*) desc, u limit 1) as friendly,
  (select user_id from notifications where is_read = false
   group by user_id order by count(*) desc, user_id limit 1) as notified,
  (select user_id from storage_usage order by used_bytes desc, user_id limit 1) as uploader,
  (select post_id from comments group by post_id order by count(*) desc, post_id limit 1) as discussed,
  (select count(*) from posts) as posts

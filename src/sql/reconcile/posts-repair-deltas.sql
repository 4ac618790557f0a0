-- posts-repair.sql for phase 8 on: recounts the posts $1 (locked by the caller first, see
-- lock-posts.sql) and, where column + pending deltas still differ from the rows, rewrites the
-- column to (count − pending deltas), so that column + deltas is exact. The deltas are left to
-- the folds (deleting them here could deadlock with a trigger folding them while it waits for
-- our row lock). likes_count ($2), comments_count ($3), reposts_count ($4): each only when its
-- flag is true. Returns those rows with the values found before the write (column + deltas).
with pending as (
  select post_id, sum(likes)::integer as likes, sum(comments)::integer as comments,
         sum(reposts)::integer as reposts
  from post_counter_deltas
  where post_id = any($1::bigint[])
  group by post_id
),
expected as (
  select p.id,
         coalesce(d.likes, 0) as d_likes, coalesce(d.comments, 0) as d_comments,
         coalesce(d.reposts, 0) as d_reposts,
         p.likes_count + coalesce(d.likes, 0) as likes_count,
         p.comments_count + coalesce(d.comments, 0) as comments_count,
         p.reposts_count + coalesce(d.reposts, 0) as reposts_count,
         (select count(*) from post_interactions i where i.post_id = p.id and i.type = 'like') as e_likes,
         (select count(*) from comments c where c.post_id = p.id and c.deleted_at is null) as e_comments,
         (select count(*) from reposts r where r.post_id = p.id) as e_reposts
  from posts p
  left join pending d on d.post_id = p.id
  where p.id = any($1::bigint[])
),
drifted as (
  select * from expected
  where ($2::boolean and e_likes <> likes_count)
     or ($3::boolean and e_comments <> comments_count)
     or ($4::boolean and e_reposts <> reposts_count)
),
repaired as (
  update posts p
  set likes_count = case when $2::boolean then greatest(d.e_likes - d.d_likes, 0) else p.likes_count end,
      comments_count = case when $3::boolean then greatest(d.e_comments - d.d_comments, 0) else p.comments_count end,
      reposts_count = case when $4::boolean then greatest(d.e_reposts - d.d_reposts, 0) else p.reposts_count end
  from drifted d
  where p.id = d.id
)
select id, e_likes, likes_count, e_comments, comments_count, e_reposts, reposts_count
from drifted order by id

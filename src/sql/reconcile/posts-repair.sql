-- Recounts the posts $1 (locked by the caller first, see lock-posts.sql) with the same
-- definitions as posts-detect.sql and rewrites likes_count ($2), comments_count ($3) and
-- reposts_count ($4) — each only when its flag is true — where they still differ. Returns those
-- rows with the values found before the write. updated_at does not move.
with expected as (
  select p.id, p.likes_count, p.comments_count, p.reposts_count,
         (select count(*) from post_interactions i where i.post_id = p.id and i.type = 'like') as e_likes,
         (select count(*) from comments c where c.post_id = p.id and c.deleted_at is null) as e_comments,
         (select count(*) from reposts r where r.post_id = p.id) as e_reposts
  from posts p
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
  set likes_count = case when $2::boolean then d.e_likes else p.likes_count end,
      comments_count = case when $3::boolean then d.e_comments else p.comments_count end,
      reposts_count = case when $4::boolean then d.e_reposts else p.reposts_count end
  from drifted d
  where p.id = d.id
)
select id, e_likes, likes_count, e_comments, comments_count, e_reposts, reposts_count
from drifted order by id

-- posts-detect.sql for phase 8 on: the stored value of a counter is the posts column plus the
-- post's pending rows in post_counter_deltas (what vrss_post_counts reads), so a pending delta
-- is not drift, and a lost or extra delta is. Read-only, one snapshot, over one id range
-- ($1 ≤ id < $2); $3, $4, $5: check likes, comments, reposts.
with pending as (
  select post_id, sum(likes) as likes, sum(comments) as comments, sum(reposts) as reposts
  from post_counter_deltas
  where post_id >= $1 and post_id < $2
  group by post_id
),
expected as (
  select p.id,
         p.likes_count + coalesce(d.likes, 0) as likes_count,
         p.comments_count + coalesce(d.comments, 0) as comments_count,
         p.reposts_count + coalesce(d.reposts, 0) as reposts_count,
         coalesce(l.n, 0) as e_likes, coalesce(c.n, 0) as e_comments, coalesce(r.n, 0) as e_reposts
  from posts p
  left join pending d on d.post_id = p.id
  left join (select post_id, count(*) as n from post_interactions
             where $3::boolean and type = 'like' and post_id >= $1 and post_id < $2
             group by post_id) l on l.post_id = p.id
  left join (select post_id, count(*) as n from comments
             where $4::boolean and deleted_at is null and post_id >= $1 and post_id < $2
             group by post_id) c on c.post_id = p.id
  left join (select post_id, count(*) as n from reposts
             where $5::boolean and post_id >= $1 and post_id < $2
             group by post_id) r on r.post_id = p.id
  where p.id >= $1 and p.id < $2
)
select count(*) as checked,
       coalesce(json_agg(json_build_object(
         'id', id, 'e_likes', e_likes, 'likes_count', likes_count,
         'e_comments', e_comments, 'comments_count', comments_count,
         'e_reposts', e_reposts, 'reposts_count', reposts_count) order by id)
         filter (where ($3::boolean and e_likes <> likes_count)
                    or ($4::boolean and e_comments <> comments_count)
                    or ($5::boolean and e_reposts <> reposts_count)), '[]') as drifted
from expected

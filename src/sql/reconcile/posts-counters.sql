-- posts.likes_count ($5), comments_count ($6) and reposts_count ($7) — each only when its flag
-- is true — over one id range ($1 ≤ id < $2; only the ids $4 when given), in one scan of posts.
-- Returns the rows whose stored values differ from the triggers' definitions and rewrites
-- them when $3 is true. Only differing rows are written; updated_at does not move.
with expected as (
  select p.id, p.likes_count, p.comments_count, p.reposts_count,
         coalesce(l.n, 0)::int as e_likes, coalesce(c.n, 0)::int as e_comments, coalesce(r.n, 0)::int as e_reposts
  from posts p
  left join (select post_id, count(*) as n from post_interactions
             where $5::boolean and type = 'like' and post_id >= $1 and post_id < $2
               and ($4::bigint[] is null or post_id = any($4::bigint[]))
             group by post_id) l on l.post_id = p.id
  left join (select post_id, count(*) as n from comments
             where $6::boolean and deleted_at is null and post_id >= $1 and post_id < $2
               and ($4::bigint[] is null or post_id = any($4::bigint[]))
             group by post_id) c on c.post_id = p.id
  left join (select post_id, count(*) as n from reposts
             where $7::boolean and post_id >= $1 and post_id < $2
               and ($4::bigint[] is null or post_id = any($4::bigint[]))
             group by post_id) r on r.post_id = p.id
  where p.id >= $1 and p.id < $2 and ($4::bigint[] is null or p.id = any($4::bigint[]))
),
drifted as (
  select * from expected
  where ($5::boolean and e_likes <> likes_count)
     or ($6::boolean and e_comments <> comments_count)
     or ($7::boolean and e_reposts <> reposts_count)
),
repaired as (
  update posts p
  set likes_count = case when $5::boolean then d.e_likes else p.likes_count end,
      comments_count = case when $6::boolean then d.e_comments else p.comments_count end,
      reposts_count = case when $7::boolean then d.e_reposts else p.reposts_count end
  from drifted d
  where p.id = d.id and $3::boolean
  returning p.id
)
select id, e_likes, likes_count, e_comments, comments_count, e_reposts, reposts_count
from drifted order by id

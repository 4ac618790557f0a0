-- How many rows break each denormalization guarantee of docs/schema.md (0 everywhere = consistent).
-- The definitions are the triggers' own: likes = 'like' rows; comments = live comments of the
-- post, replies included; replies = live direct replies; storage = sums of post_media with gif
-- and document as other.
select
  (select count(*) from posts p
     left join (select post_id, count(*) as n from post_interactions where type = 'like' group by post_id) x
       on x.post_id = p.id
   where p.likes_count <> coalesce(x.n, 0)) as likes_count,
  (select count(*) from posts p
     left join (select post_id, count(*) as n from comments where deleted_at is null group by post_id) x
       on x.post_id = p.id
   where p.comments_count <> coalesce(x.n, 0)) as comments_count,
  (select count(*) from posts p
     left join (select post_id, count(*) as n from reposts group by post_id) x on x.post_id = p.id
   where p.reposts_count <> coalesce(x.n, 0)) as reposts_count,
  (select count(*) from comments c
     left join (select parent_comment_id, count(*) as n from comments
                where deleted_at is null and parent_comment_id is not null group by parent_comment_id) x
       on x.parent_comment_id = c.id
   where c.replies_count <> coalesce(x.n, 0)) as replies_count,
  (select count(*) from storage_usage s
     left join (select user_id,
                       sum(file_size_bytes) as used,
                       sum(file_size_bytes) filter (where type = 'image') as images,
                       sum(file_size_bytes) filter (where type = 'video') as videos,
                       sum(file_size_bytes) filter (where type = 'audio') as audio,
                       sum(file_size_bytes) filter (where type in ('gif', 'document')) as other
                from post_media group by user_id) m on m.user_id = s.user_id
   where (s.used_bytes, s.images_bytes, s.videos_bytes, s.audio_bytes, s.other_bytes)
         is distinct from (coalesce(m.used, 0), coalesce(m.images, 0), coalesce(m.videos, 0),
                           coalesce(m.audio, 0), coalesce(m.other, 0))) as storage_usage,
  (select count(*) from users u
   where not exists (select 1 from storage_usage s where s.user_id = u.id)) as missing_storage_rows,
  (select count(*) from user_follows a
     join user_follows b on b.follower_id = a.following_id and b.following_id = a.follower_id
   where a.follower_id < a.following_id
     and not exists (select 1 from friendships f
                     where f.user_id_1 = a.follower_id and f.user_id_2 = a.following_id)) as missing_friendships

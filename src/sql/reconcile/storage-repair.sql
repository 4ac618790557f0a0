-- Recomputes storage_usage of the users $1 (their rows locked by the caller first, see
-- lock-storage.sql) with the same definitions as storage-detect.sql: creates the missing rows
-- (Free quota; a concurrent upload creating the row first wins) and rewrites used_bytes and the
-- breakdown where they still differ. Returns those users with `missing` and the used_bytes
-- found before the write.
with sums as (
  select user_id,
         sum(file_size_bytes) as used,
         coalesce(sum(file_size_bytes) filter (where type = 'image'), 0) as images,
         coalesce(sum(file_size_bytes) filter (where type = 'video'), 0) as videos,
         coalesce(sum(file_size_bytes) filter (where type = 'audio'), 0) as audio,
         coalesce(sum(file_size_bytes) filter (where type in ('gif', 'document')), 0) as other
  from post_media
  where user_id = any($1::bigint[])
  group by user_id
),
drifted as (
  select * from (
    select u.id, s.user_id is null as missing,
           s.used_bytes, s.images_bytes, s.videos_bytes, s.audio_bytes, s.other_bytes,
           coalesce(m.used, 0) as e_used, coalesce(m.images, 0) as e_images,
           coalesce(m.videos, 0) as e_videos, coalesce(m.audio, 0) as e_audio,
           coalesce(m.other, 0) as e_other
    from users u
    left join storage_usage s on s.user_id = u.id
    left join sums m on m.user_id = u.id
    where u.id = any($1::bigint[])
  ) e
  where missing
     or (used_bytes, images_bytes, videos_bytes, audio_bytes, other_bytes)
        is distinct from (e_used, e_images, e_videos, e_audio, e_other)
),
created as (
  insert into storage_usage (user_id, quota_bytes, used_bytes, images_bytes, videos_bytes,
                             audio_bytes, other_bytes, last_calculated_at)
  select id, coalesce((select storage_bytes from subscription_tiers where name = 'Free'), 52428800),
         e_used, e_images, e_videos, e_audio, e_other, now()
  from drifted
  where missing
  on conflict (user_id) do nothing
),
updated as (
  update storage_usage s
  set used_bytes = d.e_used, images_bytes = d.e_images, videos_bytes = d.e_videos,
      audio_bytes = d.e_audio, other_bytes = d.e_other, last_calculated_at = now()
  from drifted d
  where s.user_id = d.id and not d.missing
)
select id, missing,
       case when missing then 1 else e_used end as expected,
       case when missing then 0 else used_bytes end as stored
from drifted order by id

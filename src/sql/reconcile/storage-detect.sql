-- Read-only check of storage_usage for the users of one id range ($1 ≤ id < $2): how many users
-- were checked, those without a storage_usage row (`missing`), and those whose used_bytes or
-- breakdown differ from the sums of their post_media (`drifted`; gif and document count as
-- other; expected/stored report used_bytes). Same definitions as storage-repair.sql.
with sums as (
  select user_id,
         sum(file_size_bytes) as used,
         coalesce(sum(file_size_bytes) filter (where type = 'image'), 0) as images,
         coalesce(sum(file_size_bytes) filter (where type = 'video'), 0) as videos,
         coalesce(sum(file_size_bytes) filter (where type = 'audio'), 0) as audio,
         coalesce(sum(file_size_bytes) filter (where type in ('gif', 'document')), 0) as other
  from post_media
  where user_id >= $1 and user_id < $2
  group by user_id
),
expected as (
  select u.id, s.user_id is null as missing,
         s.used_bytes, s.images_bytes, s.videos_bytes, s.audio_bytes, s.other_bytes,
         coalesce(m.used, 0) as e_used, coalesce(m.images, 0) as e_images,
         coalesce(m.videos, 0) as e_videos, coalesce(m.audio, 0) as e_audio,
         coalesce(m.other, 0) as e_other
  from users u
  left join storage_usage s on s.user_id = u.id
  left join sums m on m.user_id = u.id
  where u.id >= $1 and u.id < $2
)
select count(*) as checked,
       coalesce(json_agg(json_build_object('id', id, 'expected', 1, 'stored', 0) order by id)
         filter (where missing), '[]') as missing,
       coalesce(json_agg(json_build_object('id', id, 'expected', e_used, 'stored', used_bytes) order by id)
         filter (where not missing
                   and (used_bytes, images_bytes, videos_bytes, audio_bytes, other_bytes)
                       is distinct from (e_used, e_images, e_videos, e_audio, e_other)), '[]') as drifted
from expected

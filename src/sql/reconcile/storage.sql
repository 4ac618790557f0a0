-- storage_usage of the users of one id range ($1 ≤ user_id < $2; only the users $4 when given): used_bytes and the
-- breakdown (gif and document count as other) against the sums of post_media, rewritten when
-- $3 is true, only where they differ. `expected`/`stored` report used_bytes.
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
  select s.user_id, s.used_bytes, s.images_bytes, s.videos_bytes, s.audio_bytes, s.other_bytes,
         coalesce(m.used, 0)::bigint as e_used, coalesce(m.images, 0)::bigint as e_images,
         coalesce(m.videos, 0)::bigint as e_videos, coalesce(m.audio, 0)::bigint as e_audio,
         coalesce(m.other, 0)::bigint as e_other
  from storage_usage s
  left join sums m on m.user_id = s.user_id
  where s.user_id >= $1 and s.user_id < $2 and ($4::bigint[] is null or s.user_id = any($4::bigint[]))
),
drifted as (
  select * from expected
  where (used_bytes, images_bytes, videos_bytes, audio_bytes, other_bytes)
        is distinct from (e_used, e_images, e_videos, e_audio, e_other)
),
repaired as (
  update storage_usage s
  set used_bytes = d.e_used, images_bytes = d.e_images, videos_bytes = d.e_videos,
      audio_bytes = d.e_audio, other_bytes = d.e_other, last_calculated_at = now()
  from drifted d
  where s.user_id = d.user_id and $3::boolean
  returning s.user_id
)
select user_id as id, e_used as expected, used_bytes as stored from drifted order by user_id

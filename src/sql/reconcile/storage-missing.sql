-- Users of one id range ($1 ≤ id < $2; only the ids $4 when given) without a storage_usage row; created (Free quota, sums
-- of their media) when $3 is true. A concurrent upload creating the row first wins (on conflict).
with missing as (
  select u.id from users u
  where u.id >= $1 and u.id < $2 and ($4::bigint[] is null or u.id = any($4::bigint[]))
    and not exists (select 1 from storage_usage s where s.user_id = u.id)
),
created as (
  insert into storage_usage (user_id, quota_bytes, used_bytes, images_bytes, videos_bytes, audio_bytes,
                             other_bytes, last_calculated_at)
  select m.id,
         coalesce((select storage_bytes from subscription_tiers where name = 'Free'), 52428800),
         coalesce(sum(pm.file_size_bytes), 0),
         coalesce(sum(pm.file_size_bytes) filter (where pm.type = 'image'), 0),
         coalesce(sum(pm.file_size_bytes) filter (where pm.type = 'video'), 0),
         coalesce(sum(pm.file_size_bytes) filter (where pm.type = 'audio'), 0),
         coalesce(sum(pm.file_size_bytes) filter (where pm.type in ('gif', 'document')), 0),
         now()
  from missing m
  left join post_media pm on pm.user_id = m.id
  where $3::boolean
  group by m.id
  on conflict (user_id) do nothing
  returning user_id
)
select id, 1 as expected, 0 as stored from missing order by id

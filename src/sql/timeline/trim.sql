-- Shortens the timeline of reader $1 to its $2 newest entries: the horizon moves up to the
-- oldest entry kept (never down: every entry above the new horizon was complete above the old
-- one) and the entries below the horizon go, with those whose post is gone.
with kept as (
  select e.created_at, e.post_id from feed_timeline_entries e
  where e.reader_id = $1::bigint
  order by e.created_at desc, e.post_id desc
  offset $2::int - 1 limit 1
), moved as (
  update feed_timeline_readers r set horizon_at = k.created_at, horizon_id = k.post_id
  from kept k
  where r.reader_id = $1::bigint and (k.created_at, k.post_id) > (r.horizon_at, r.horizon_id)
  returning r.horizon_at, r.horizon_id
), horizon as (
  select coalesce((select m.horizon_at from moved m), r.horizon_at) as at,
         coalesce((select m.horizon_id from moved m), r.horizon_id) as id
  from feed_timeline_readers r where r.reader_id = $1::bigint
)
delete from feed_timeline_entries e
using horizon h
where e.reader_id = $1::bigint
  and ((e.created_at, e.post_id) < (h.at, h.id)
       or not exists (select 1 from posts p where p.id = e.post_id))

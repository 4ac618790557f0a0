-- Ready timelines that lack an entry: a visible post at or after the horizon by an account the
-- reader follows, with no entry. Under one snapshot the triggers' writes are all or nothing, so
-- every row here is a real gap.
select r.reader_id, count(*)::int as missing
from feed_timeline_readers r
join user_follows f on f.follower_id = r.reader_id
join posts p on p.user_id = f.following_id
where r.ready
  and p.status = 'published' and p.deleted_at is null
  and (p.created_at, p.id) >= (r.horizon_at, r.horizon_id)
  and not exists (
    select 1 from feed_timeline_entries e
    where e.reader_id = r.reader_id and e.created_at = p.created_at and e.post_id = p.id)
group by r.reader_id
order by r.reader_id

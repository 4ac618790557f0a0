-- Ready timelines that differ from what they stand for, per reader: followed accounts without a
-- source row, source rows of accounts no longer followed, and visible posts at or after the
-- horizon by a followed account without an entry. Under one snapshot the triggers' writes are
-- all or nothing, so every count here is a real gap.
with gaps as (
  select r.reader_id,
    (select count(*) from user_follows f
     where f.follower_id = r.reader_id
       and not exists (select 1 from feed_timeline_sources s
                       where s.author_id = f.following_id and s.reader_id = r.reader_id))::int as missing_sources,
    (select count(*) from feed_timeline_sources s
     where s.reader_id = r.reader_id
       and not exists (select 1 from user_follows f
                       where f.follower_id = r.reader_id and f.following_id = s.author_id))::int as extra_sources,
    (select count(*) from user_follows f
     join posts p on p.user_id = f.following_id
     where f.follower_id = r.reader_id
       and p.status = 'published' and p.deleted_at is null
       and (p.created_at, p.id) >= (r.horizon_at, r.horizon_id)
       and not exists (
         select 1 from feed_timeline_entries e
         where e.reader_id = r.reader_id and e.created_at = p.created_at and e.post_id = p.id))::int as missing
  from feed_timeline_readers r
  where r.ready
)
select * from gaps
where missing_sources + extra_sources + missing > 0
order by reader_id

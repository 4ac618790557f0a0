-- Drops the timelines of readers $1 who still follow fewer than $2 accounts, with their sources
-- and entries. Returns how many readers were dropped.
with dropped as (
  delete from feed_timeline_readers r
  where r.reader_id = any($1::bigint[])
    and (select count(*) from user_follows f where f.follower_id = r.reader_id) < $2::int
  returning r.reader_id
), sources as (
  delete from feed_timeline_sources s where s.reader_id in (select reader_id from dropped)
), entries as (
  delete from feed_timeline_entries e where e.reader_id in (select reader_id from dropped)
)
select count(*)::int as dropped from dropped

-- Makes the sources of reader $1 exactly the accounts they follow: the missing ones added, the
-- ones they no longer follow removed (with their entries). Returns how many of each.
with added as (
  insert into feed_timeline_sources (author_id, reader_id)
  select f.following_id, r.reader_id
  from feed_timeline_readers r
  join user_follows f on f.follower_id = r.reader_id
  where r.reader_id = $1::bigint
  on conflict do nothing
  returning 1
), removed as (
  delete from feed_timeline_sources s
  where s.reader_id = $1::bigint
    and not exists (
      select 1 from user_follows f where f.follower_id = s.reader_id and f.following_id = s.author_id)
  returning s.author_id
), unlisted as (
  delete from feed_timeline_entries e
  where e.reader_id = $1::bigint and e.author_id in (select author_id from removed)
)
select (select count(*) from added)::int as added, (select count(*) from removed)::int as removed

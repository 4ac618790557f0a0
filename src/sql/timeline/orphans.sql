-- Sources and entries of readers that are not enrolled (a follow or a post written while their
-- reader was dropped, or a reader whose account was deleted): never read, removed here.
-- Returns how many rows of each went.
with sources as (
  delete from feed_timeline_sources s
  where not exists (select 1 from feed_timeline_readers r where r.reader_id = s.reader_id)
  returning 1
), entries as (
  delete from feed_timeline_entries e
  where not exists (select 1 from feed_timeline_readers r where r.reader_id = e.reader_id)
  returning 1
)
select (select count(*) from sources)::int as sources, (select count(*) from entries)::int as entries

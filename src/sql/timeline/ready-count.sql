-- How many timelines are ready.
select count(*)::int as ready from feed_timeline_readers where ready

-- Whether the timelines phase (010) is applied: feed_timeline_readers is on the search_path.
select to_regclass('feed_timeline_readers') is not null as present

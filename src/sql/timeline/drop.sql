-- Drops the timelines of readers $1 who still follow fewer than $2 accounts (their entries go
-- with them: on delete cascade).
delete from feed_timeline_readers r
where r.reader_id = any($1::bigint[])
  and (select count(*) from user_follows f where f.follower_id = r.reader_id) < $2::int

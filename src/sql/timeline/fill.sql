-- Every visible post at or after the horizon of reader $1 by an account they follow, as an
-- entry (the ones already there are kept, their author brought up to date). Fills a new
-- timeline and repairs a drifted one.
insert into feed_timeline_entries as e (reader_id, created_at, post_id, author_id)
select r.reader_id, p.created_at, p.id, p.user_id
from feed_timeline_readers r
join user_follows f on f.follower_id = r.reader_id
join posts p on p.user_id = f.following_id
where r.reader_id = $1::bigint
  and p.status = 'published' and p.deleted_at is null
  and (p.created_at, p.id) >= (r.horizon_at, r.horizon_id)
on conflict (reader_id, created_at, post_id) do update set author_id = excluded.author_id
  where e.author_id <> excluded.author_id

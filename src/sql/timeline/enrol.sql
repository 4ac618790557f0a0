-- Enrols reader $1 with a horizon: the oldest of their $2 newest feed posts (vrss_feed, which
-- does not read a timeline that is not ready), or the beginning of time when their feed holds
-- fewer. Not ready yet: the entries are filled once older transactions have ended (fill.sql).
with page as materialized (
  select f.created_at, f.id from vrss_feed($1::bigint, null, null, $2::int) f
)
insert into feed_timeline_readers (reader_id, horizon_at, horizon_id)
select $1::bigint, coalesce(h.created_at, '-infinity'), coalesce(h.id, 0)
from (select count(*) as n from page) c
left join lateral (
  select p.created_at, p.id from page p order by p.created_at, p.id limit 1
) h on c.n >= $2::int
on conflict (reader_id) do nothing

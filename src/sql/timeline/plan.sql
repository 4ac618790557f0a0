-- Who should have a timeline and who has one: readers following at least $1 accounts and not
-- enrolled (enrol), enrolled readers following fewer than $2 (drop), enrolled readers whose
-- timeline is not filled yet (unready: an interrupted enrolment). One pass over user_follows.
with heavy as (
  select f.follower_id as reader_id, count(*) as n
  from user_follows f
  group by f.follower_id
  having count(*) >= $2::int
)
select
  array(select h.reader_id from heavy h
        where h.n >= $1::int
          and not exists (select 1 from feed_timeline_readers r where r.reader_id = h.reader_id)
        order by h.reader_id) as enrol,
  array(select r.reader_id from feed_timeline_readers r
        where not exists (select 1 from heavy h where h.reader_id = r.reader_id)
        order by r.reader_id) as drop,
  array(select r.reader_id from feed_timeline_readers r where not r.ready order by r.reader_id) as unready,
  (select count(*)::int from feed_timeline_readers r where r.ready) as ready

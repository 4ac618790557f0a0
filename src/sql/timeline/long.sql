-- Timelines longer than $1 entries, or holding entries whose post is gone.
select e.reader_id
from feed_timeline_entries e
left join posts p on p.id = e.post_id
group by e.reader_id
having count(*) > $1::int or count(*) filter (where p.id is null) > 0
order by e.reader_id

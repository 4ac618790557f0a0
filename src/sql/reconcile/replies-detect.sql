-- Read-only check of comments.replies_count over one id range ($1 ≤ id < $2): how many comments
-- were checked, and those whose count differs from their live direct replies (the same
-- definition as replies-repair.sql).
with expected as (
  select c.id, c.replies_count as stored, coalesce(x.n, 0) as expected
  from comments c
  left join (select parent_comment_id, count(*) as n from comments
             where deleted_at is null and parent_comment_id >= $1 and parent_comment_id < $2
             group by parent_comment_id) x on x.parent_comment_id = c.id
  where c.id >= $1 and c.id < $2
)
select count(*) as checked,
       coalesce(json_agg(json_build_object('id', id, 'expected', expected, 'stored', stored) order by id)
         filter (where expected <> stored), '[]') as drifted
from expected

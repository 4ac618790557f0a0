-- comments.replies_count over one id range ($1 ≤ id < $2; only the ids $4 when given): live direct replies, rewritten when
-- $3 is true, only where they differ.
with expected as (
  select c.id, c.replies_count as stored, coalesce(x.n, 0)::int as expected
  from comments c
  left join (select parent_comment_id, count(*) as n from comments
             where deleted_at is null and parent_comment_id >= $1 and parent_comment_id < $2
               and ($4::bigint[] is null or parent_comment_id = any($4::bigint[]))
             group by parent_comment_id) x on x.parent_comment_id = c.id
  where c.id >= $1 and c.id < $2 and ($4::bigint[] is null or c.id = any($4::bigint[]))
),
drifted as (
  select id, expected, stored from expected where expected <> stored
),
repaired as (
  update comments c set replies_count = d.expected
  from drifted d
  where c.id = d.id and $3::boolean
  returning c.id
)
select id, expected, stored from drifted order by id

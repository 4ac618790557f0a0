-- Recounts comments.replies_count of the comments $1 (locked by the caller first, see
-- lock-comments.sql) with the same definition as replies-detect.sql and rewrites it where it
-- still differs. Returns those rows with the value found before the write.
with drifted as (
  select id, expected, stored
  from (select c.id, c.replies_count as stored,
               (select count(*) from comments r
                where r.parent_comment_id = c.id and r.deleted_at is null) as expected
        from comments c
        where c.id = any($1::bigint[])) e
  where expected <> stored
),
repaired as (
  update comments c set replies_count = d.expected
  from drifted d
  where c.id = d.id
)
select id, expected, stored from drifted order by id

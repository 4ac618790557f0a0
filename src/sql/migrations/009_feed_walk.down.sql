-- Down script of 009_feed_walk: phase 5's walk index, phase 5's vrss_feed (the same text), no
-- idx_posts_feed_walk. Down scripts run in one transaction, so the index is built plainly: posts
-- takes no writes while it builds (seconds at 10× the MVP); a rollback is run with the
-- application stopped.
create index if not exists idx_posts_feed_recent
  on posts (created_at desc, id desc)
  where status = 'published' and deleted_at is null;
create or replace function vrss_feed(
  reader bigint,
  before_at timestamptz default null,
  before_id bigint default null,
  page_size integer default 20
) returns setof posts
language sql stable as $$
  with followees as (
    select count(*) as n from user_follows where follower_id = reader
  ),
  page as (
    -- Up to 1000 followees: the newest ids of each followee (index-only), merged.
    (select l.id, l.created_at from user_follows f
     cross join lateral (
       select q.id, q.created_at from posts q
       where q.user_id = f.following_id and q.status = 'published' and q.deleted_at is null
         and (q.created_at, q.id) < (coalesce(before_at, 'infinity'), coalesce(before_id, 9223372036854775807))
       order by q.created_at desc, q.id desc
       limit page_size
     ) l
     where f.follower_id = reader and (select n from followees) <= 1000
     order by l.created_at desc, l.id desc
     limit page_size)
    union all
    -- More: walk all published posts newest first, keeping those of followees.
    (select q.id, q.created_at from posts q
     where (select n from followees) > 1000
       and q.status = 'published' and q.deleted_at is null
       and (q.created_at, q.id) < (coalesce(before_at, 'infinity'), coalesce(before_id, 9223372036854775807))
       and exists (select 1 from user_follows f where f.follower_id = reader and f.following_id = q.user_id)
     order by q.created_at desc, q.id desc
     limit page_size)
  )
  select p.* from posts p join page on page.id = p.id
  order by p.created_at desc, p.id desc
$$;
comment on function vrss_feed(bigint, timestamptz, bigint, integer) is
  'Home feed of a reader: newest posts per followee (up to 1000 followees), else a recency walk';
drop index if exists idx_posts_feed_walk;

-- vrss-db:no-transaction
-- Phase 5: the home feed. The planning documents' feed query misses its 50 ms target at MVP
-- scale (docs/performance.md), and no single query shape is fast for every reader, so vrss_feed() picks one
-- by the reader's followee count, each backed by its own partial index. The indexes are built
-- CONCURRENTLY (posts is a live, large table), hence no transaction for this file; the runner
-- checks for INVALID indexes afterwards.

-- Few followees: the newest posts of each followee (LATERAL), merged.
create index concurrently if not exists idx_posts_feed_author
  on posts (user_id, created_at desc, id desc)
  where status = 'published' and deleted_at is null;

-- Many followees: walk all published posts newest first, keep those of followees.
create index concurrently if not exists idx_posts_feed_recent
  on posts (created_at desc, id desc)
  where status = 'published' and deleted_at is null;

-- The feed of `reader`: published, not deleted posts of the accounts they follow, newest first
-- (created_at desc, id desc), `page_size` rows after the keyset cursor (before_at, before_id).
-- Returns exactly the rows of the plan's query with the same order and cursor. One SQL
-- statement (so the planner inlines it and plans with the real arguments): each branch is
-- guarded by a one-time filter on the followee count, so only one of them runs.
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

-- vrss-db:no-transaction
-- Phase 9: the feed of readers who follow many quiet accounts. Phase 5's recency walk (above 1,000
-- followees) tests every post it passes with a probe into user_follows and a heap fetch for its
-- author: about 1.5 µs a row, so a reader of 5,000 quiet accounts (0.15% of the posts at 10× the
-- MVP) took 84 ms. Here the walk reads an index that carries the author (index-only) and tests it
-- against the followees held in a hash table: about 0.15 µs a row. The walk or phase 5's
-- per-followee merge runs, whichever an estimate says costs less; the walk is bounded, and when it
-- finds less than a page the merge answers, so a wrong estimate costs at most about both together
-- (docs/performance.md, "The feed at 10×").
-- The index is built, and phase 5's walk index dropped, CONCURRENTLY (posts is a live, large
-- table), hence no transaction for this file; every statement can run again after an interruption.

-- The recency walk, index-only: newest published posts first, with their author.
create index concurrently if not exists idx_posts_feed_walk
  on posts (created_at desc, id desc) include (user_id)
  where status = 'published' and deleted_at is null;

-- Phase 5's walk index has the same order and rows without the author: the new one does its job
-- (the plan's query uses it the same way), and with both the planner could take the smaller one
-- for the walk where few pages of posts are all-visible, fetching every author from the table
-- again. Dropped without blocking posts; no query of the API names it (api-uses.json).
drop index concurrently if exists idx_posts_feed_recent;

-- The feed of `reader`: published, not deleted posts of the accounts they follow, newest first
-- (created_at desc, id desc), `page_size` rows after the keyset cursor (before_at, before_id).
-- Returns exactly the rows of the plan's query with the same order and cursor, as phase 5's did.
-- Two shapes, chosen by what each would cost (docs/performance.md, "The feed at 10×"):
--   * the merge: the newest ids of each followee (idx_posts_feed_author), merged. About 3 µs a
--     followee, however much they post.
--   * the walk: idx_posts_feed_walk newest first, keeping the posts of followees; about 0.15 µs a
--     row, and it must pass page_size / (the followees' share of all posts) rows.
-- The share is estimated from up to 32 followees spread over the list (their posts, counted up
-- to 50 each) and the number of posts (the walk index's reltuples): the walk is taken when it
-- should pass fewer than 20 rows per followee. It is bounded (40 rows per followee), and when it
-- finds less than a page the merge answers: a wrong estimate costs at most about twice the
-- merge. A page found by the walk is the answer (a followee's post that the walk did not reach
-- is older than every row it passed). Readers of few accounts (n² ≤ page_size × posts / 1,000)
-- are merged without estimating: even followees with 50 posts each would not make the walk pass
-- fewer than 20 rows per followee.
-- The followees go into the walk as a parameter of EXECUTE … USING, which the planner takes as a
-- constant: `= any(…)` over a constant array of 9 or more elements is a hash lookup (PostgreSQL
-- 14+). The test sits in the select list, where the planner estimates nothing per element (in
-- WHERE, planning 5,000 followees took longer than the walk). The walk is planned per call
-- (about 0.2 ms); the other statements' plans are cached per session.
create or replace function vrss_feed(
  reader bigint,
  before_at timestamptz default null,
  before_id bigint default null,
  page_size integer default 20
) returns setof posts
language plpgsql stable as $$
declare
  followees bigint[];
  n integer;
  total float8;
  sample integer;
  sampled bigint;
  ids bigint[];
begin
  followees := array(select f.following_id from user_follows f where f.follower_id = reader);
  n := cardinality(followees);
  if page_size > 0 and n > 0 then
    select c.reltuples into total from pg_class c where c.oid = to_regclass('idx_posts_feed_walk');
    if total > 0 and n::float8 * n > page_size * total / 1000 then
      sample := least(n, 32);
      select count(*) into sampled
      from generate_series(0, sample - 1) i
      cross join lateral (
        select 1 from posts q
        where q.user_id = followees[1 + i * n / sample] and q.status = 'published' and q.deleted_at is null
          and (q.created_at, q.id) < (coalesce(before_at, 'infinity'), coalesce(before_id, 9223372036854775807))
        limit 50
      ) x;
      if page_size * total * sample / (n::float8 * greatest(sampled, 1)) < 20.0 * n then
        execute
          'select array(select w.id from ('
          '  select q.id, q.user_id = any($1) as followed from posts q'
          '  where q.status = ''published'' and q.deleted_at is null'
          '    and (q.created_at, q.id) < (coalesce($2, ''infinity''), coalesce($3, 9223372036854775807))'
          '  order by q.created_at desc, q.id desc'
          '  limit $5) w'
          ' where w.followed limit $4)'
          into ids
          using followees, before_at, before_id, page_size, 40 * n;
      end if;
    end if;
  end if;
  if ids is null or page_size is null or cardinality(ids) < page_size then
    ids := array(
      select l.id from unnest(followees) f(following_id)
      cross join lateral (
        select q.id, q.created_at from posts q
        where q.user_id = f.following_id and q.status = 'published' and q.deleted_at is null
          and (q.created_at, q.id) < (coalesce(before_at, 'infinity'), coalesce(before_id, 9223372036854775807))
        order by q.created_at desc, q.id desc
        limit page_size
      ) l
      order by l.created_at desc, l.id desc
      limit page_size);
  end if;
  return query
    select p.* from posts p where p.id = any(ids) order by p.created_at desc, p.id desc;
end
$$;
comment on function vrss_feed(bigint, timestamptz, bigint, integer) is
  'Home feed of a reader: newest posts per followee merged, or a bounded index-only recency walk where the estimate says it costs less';

-- Phase 10: a timeline for readers who follow many accounts (issue 17; docs/performance.md,
-- "Timelines").
--
-- Phase 9's feed costs what its reader follows: about 3 µs a followee for the merge, and for the
-- walk every post it passes. A reader of 3,000 quiet accounts at 10× the MVP still took 8–13 ms.
-- Here such a reader gets a timeline: the ids of their followees' posts, newest first, written
-- when a post is made (fan-out on write, but only towards enrolled readers, found through
-- feed_timeline_sources). Their page is then one index range of feed_timeline_entries: about the
-- same cost for 5,000 followees as for 5.
--
-- The timeline is a cache the feed checks, never a second truth:
--   * an enrolled reader has a source row for every account they follow, and a horizon
--     (created_at, id): every published, not deleted post of an account they follow at or after
--     the horizon has an entry (the triggers below keep both);
--   * an entry may be stale (the post deleted or unpublished since, the author unfollowed): the
--     read joins the post and its follow edge and skips it;
--   * a page the timeline cannot fill above the horizon is answered by phase 9's paths.
-- Who is enrolled is decided by `vrss-db reconcile` (and `seed`), not by these triggers: a reader
-- is enrolled from 500 followees and dropped under 400 (src/lib/timeline/). Enrolling fills the
-- timeline, waits for the transactions that may have written without seeing it, and fills it
-- again; until then (`ready` false) the feed does not read it. No writer of the API ever builds
-- one.

create table feed_timeline_readers (
  reader_id  bigint      primary key references users (id) on delete cascade,
  horizon_at timestamptz not null,
  horizon_id bigint      not null,
  ready      boolean     not null default false
);
comment on table feed_timeline_readers is
  'Readers with a feed timeline (vrss-db reconcile enrols them): every visible post of a followee at or after (horizon_at, horizon_id) has an entry';

create table feed_timeline_entries (
  reader_id  bigint      not null,
  created_at timestamptz not null,
  post_id    bigint      not null,
  author_id  bigint      not null,
  constraint feed_timeline_entries_pkey primary key (reader_id, created_at, post_id)
);
comment on table feed_timeline_entries is
  'Feed timeline of enrolled readers: one row per post of a followee, written when the post is made; stale rows are skipped by vrss_feed';
-- No foreign keys. To posts: one would lock the post's row (KEY SHARE) for every entry, and a
-- hard delete of posts would have to find their entries; an entry whose post is gone is skipped
-- by the read and removed by reconcile. To feed_timeline_readers (here and in
-- feed_timeline_sources): a post or a follow written while reconcile drops a reader would fail
-- its key check, so the API's write would fail; instead such a row is left without its reader,
-- never read, and removed by reconcile.

-- The follow edges of enrolled readers, by author: what a new post fans out to. Without it every
-- post would look through all its author's followers for enrolled ones (about 150 µs a post at
-- the MVP's 100 followers, more for a popular author); with it, a post of an author no enrolled
-- reader follows costs one index probe.
create table feed_timeline_sources (
  author_id bigint not null,
  reader_id bigint not null,
  constraint feed_timeline_sources_pkey primary key (author_id, reader_id)
);
comment on table feed_timeline_sources is
  'The accounts each enrolled reader follows (user_follows of the readers in feed_timeline_readers), keyed by author for the fan-out of a new post';
create index idx_feed_timeline_sources_reader on feed_timeline_sources (reader_id);

-- The author's timeline lock. A follow by an enrolled reader and a post of the followee written
-- at the same time each cannot see the other's uncommitted row: the follow's copy of the
-- author's posts would miss the post, and the post would miss the follow's source. So the follow
-- takes this lock exclusively and a post takes it shared (posts never wait for each other): the
-- second waits for the first to commit, and its next statement, with a new snapshot (READ
-- COMMITTED), sees it. A writer at REPEATABLE READ keeps its older snapshot: a post it writes in
-- such a race can lack its entry until reconcile's check finds and writes it.
-- The key is the schema of the trigger's table (a scratch copy of these tables, as
-- verify-triggers and bench make, never waits for the live ones) and the author modulo 256: a statement that writes posts of many
-- authors takes at most 256 of these locks (PostgreSQL's lock table is shared and bounded), and
-- two authors sharing a key only wait for each other during an enrolled reader's follow.
create function vrss_timeline_lock(schema text, author bigint, exclusive boolean) returns void
language plpgsql as $$
declare
  key bigint := hashtextextended('vrss-db:timeline:' || schema || ':' || (author % 256), 0);
begin
  if exclusive then
    perform pg_advisory_xact_lock(key);
  else
    perform pg_advisory_xact_lock_shared(key);
  end if;
end
$$;

-- A new or newly visible post (published, restored, or moved in time or to another author): an
-- entry for every enrolled reader who follows its author (an existing entry of the post takes
-- the new author: an unfollow of the old one must not remove it). A stale entry under an old
-- time is skipped by the read; one older than a reader's horizon is not needed there (the read
-- ignores it and reconcile drops it). The test is in the function, not in a WHEN clause: reading
-- a trigger's WHEN clause back (pg_get_triggerdef, as status and pg_dump do) locks the table.
create function vrss_timeline_add_post() returns trigger
language plpgsql as $$
begin
  if new.status = 'published' and new.deleted_at is null
     and (tg_op = 'INSERT' or old.status <> 'published' or old.deleted_at is not null
          or old.created_at <> new.created_at or old.user_id <> new.user_id) then
    perform vrss_timeline_lock(tg_table_schema, new.user_id, false);
    insert into feed_timeline_entries as e (reader_id, created_at, post_id, author_id)
    select s.reader_id, new.created_at, new.id, new.user_id
    from feed_timeline_sources s
    where s.author_id = new.user_id
    on conflict (reader_id, created_at, post_id) do update set author_id = excluded.author_id
      where e.author_id <> excluded.author_id;
  end if;
  return null;
end
$$;

-- UPDATE OF: counter updates (which set none of these columns) do not fire it.
create trigger posts_timeline
  after insert or update of status, deleted_at, created_at, user_id on posts
  for each row execute function vrss_timeline_add_post();

-- A follow by an enrolled reader: a source, and the followee's visible posts at or after the
-- horizon, at most the newest 800 (a new timeline's length, TIMELINE_POSTS in
-- src/lib/timeline/sync.ts): when the followee has more, the horizon moves up to the oldest one
-- copied (it only ever moves up, so every post above it still has its entry). An unfollow removes
-- both (the read would skip the entries anyway). Any other reader's follow costs a primary-key
-- probe.
create function vrss_timeline_follow() returns trigger
language plpgsql as $$
declare
  h_at timestamptz;
  h_id bigint;
  c_at timestamptz;
  c_id bigint;
begin
  if tg_op <> 'INSERT'
     and exists (select 1 from feed_timeline_readers r where r.reader_id = old.follower_id) then
    delete from feed_timeline_sources s
    where s.author_id = old.following_id and s.reader_id = old.follower_id;
    delete from feed_timeline_entries e
    where e.reader_id = old.follower_id and e.author_id = old.following_id;
  end if;
  if tg_op = 'DELETE' then
    return null;
  end if;
  select r.horizon_at, r.horizon_id into h_at, h_id
  from feed_timeline_readers r where r.reader_id = new.follower_id;
  if not found then
    return null;
  end if;
  perform vrss_timeline_lock(tg_table_schema, new.following_id, true);
  insert into feed_timeline_sources (author_id, reader_id)
  values (new.following_id, new.follower_id)
  on conflict do nothing;
  select p.created_at, p.id into c_at, c_id
  from posts p
  where p.user_id = new.following_id and p.status = 'published' and p.deleted_at is null
    and (p.created_at, p.id) >= (h_at, h_id)
  order by p.created_at desc, p.id desc
  offset 799 limit 1;
  if found and (c_at, c_id) > (h_at, h_id) then
    update feed_timeline_readers r set horizon_at = c_at, horizon_id = c_id
    where r.reader_id = new.follower_id and (r.horizon_at, r.horizon_id) < (c_at, c_id);
    h_at := c_at;
    h_id := c_id;
  end if;
  insert into feed_timeline_entries as e (reader_id, created_at, post_id, author_id)
  select new.follower_id, p.created_at, p.id, p.user_id
  from posts p
  where p.user_id = new.following_id and p.status = 'published' and p.deleted_at is null
    and (p.created_at, p.id) >= (h_at, h_id)
  on conflict (reader_id, created_at, post_id) do update set author_id = excluded.author_id
    where e.author_id <> excluded.author_id;
  return null;
end
$$;

create trigger user_follows_timeline
  after insert or delete or update of follower_id, following_id on user_follows
  for each row execute function vrss_timeline_follow();

-- The page of an enrolled, ready reader from their timeline, or null when the timeline cannot
-- answer it (not enrolled or not ready; fewer than page_size rows above a horizon that is not
-- the beginning of time). Same rows, order and cursor as the rest of vrss_feed.
create function vrss_feed_timeline(
  reader bigint, before_at timestamptz, before_id bigint, page_size integer
) returns bigint[]
language plpgsql stable as $$
declare
  h_at timestamptz;
  h_id bigint;
  ids bigint[];
begin
  select r.horizon_at, r.horizon_id into h_at, h_id
  from feed_timeline_readers r where r.reader_id = reader and r.ready;
  if not found then
    return null;
  end if;
  -- The entries newest first (the primary key backwards), each checked against its post and
  -- follow edge until a page is found. OFFSET 0 keeps the check a per-entry lookup: as a join,
  -- the planner may walk all of posts in feed order to merge it with a timeline it thinks small.
  ids := array(
    select t.post_id from feed_timeline_entries t
    cross join lateral (
      select 1 from posts p
      where p.id = t.post_id and p.created_at = t.created_at
        and p.status = 'published' and p.deleted_at is null
        and exists (select 1 from user_follows f where f.follower_id = reader and f.following_id = p.user_id)
      offset 0
    ) visible
    where t.reader_id = reader
      and (t.created_at, t.post_id) < (coalesce(before_at, 'infinity'), coalesce(before_id, 9223372036854775807))
      and (t.created_at, t.post_id) >= (h_at, h_id)
    order by t.created_at desc, t.post_id desc
    limit page_size);
  if cardinality(ids) < page_size and h_at > '-infinity' then
    return null;
  end if;
  return ids;
end
$$;
comment on function vrss_feed_timeline(bigint, timestamptz, bigint, integer) is
  'A page of vrss_feed read from the reader''s timeline, or null when the timeline cannot answer it';

-- vrss_feed: phase 9's, asking the reader's timeline first (one primary-key probe for a reader
-- who has none).
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
  if page_size > 0 then
    ids := vrss_feed_timeline(reader, before_at, before_id, page_size);
    if ids is not null then
      return query
        select p.* from posts p where p.id = any(ids) order by p.created_at desc, p.id desc;
      return;
    end if;
  end if;
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
  'Home feed of a reader: their timeline when enrolled, else newest posts per followee merged or a bounded index-only recency walk, whichever the estimate says costs less';

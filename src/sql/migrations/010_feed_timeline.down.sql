-- Down script of 010_feed_timeline: phase 9's vrss_feed (the same text), no timelines. The
-- timeline rows are derived from posts and user_follows, so dropping them loses nothing.
-- vrss-db:rows-derived feed_timeline_entries rebuilt from posts and user_follows
-- vrss-db:rows-derived feed_timeline_sources copied from user_follows
-- vrss-db:rows-derived feed_timeline_readers re-enrolled by reconcile after migrate
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
drop trigger if exists user_follows_timeline on user_follows;
drop trigger if exists posts_timeline on posts;
drop function if exists vrss_feed_timeline(bigint, timestamptz, bigint, integer);
drop function if exists vrss_timeline_follow();
drop function if exists vrss_timeline_add_post();
drop function if exists vrss_timeline_lock(text, bigint, boolean);
drop table if exists feed_timeline_entries;
drop table if exists feed_timeline_sources;
drop table if exists feed_timeline_readers;

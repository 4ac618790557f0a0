-- Phase 8: counters that do not serialize a hot post (issue 16; README "Write path").
--
-- Until now every like, comment and repost updated its post's row under the row lock until
-- commit: all likers of a viral post waited in one line. From this phase on the counter
-- triggers go through vrss_add_post_counters(post, likes, comments, reposts):
--   * a writer that gets pg_try_advisory_xact_lock on the post (never waits for it) updates
--     posts' counters directly, folding in the post's pending deltas in the same statement;
--   * a writer that does not get it (another transaction is updating that post's counters right
--     now) appends its change to post_counter_deltas instead: no lock on the post's row.
-- So at every moment, the exact counts are posts.<x>_count + the sum of the post's rows in
-- post_counter_deltas: vrss_post_counts(ids) reads them (the one documented read path). The
-- columns alone are exact whenever no delta is pending: deltas are left only while writers of
-- the same post overlap, and are folded by the next writer of that post that finds the lock
-- free and by `vrss-db reconcile-counters` (vrss_fold_post_counters). Readers of the columns
-- (the API: posts.likes_count …) see at most the changes of a burst that has not been folded yet.
--
-- The advisory key is (1448236115 = 'VRSS', post id modulo 2^31): two posts sharing a key only
-- append deltas a little more often. No exception blocks (subtransactions) in these triggers.
--
-- updated_at: posts and comments no longer compare to_jsonb(old) and to_jsonb(new) on every
-- update: their trigger fires only for updates that SET a content column (a counter update never
-- does), and only when a value differs. A column added to posts or comments later must be added
-- to these lists to count as content.

create table post_counter_deltas (
  id       bigint generated always as identity primary key,
  post_id  bigint  not null,
  likes    integer not null default 0,
  comments integer not null default 0,
  reposts  integer not null default 0
);
comment on table post_counter_deltas is
  'Pending counter changes of posts, written when another transaction held the post''s counter lock; exact count = posts column + sum here (vrss_post_counts)';
-- No foreign key: it would lock the hot post's row (KEY SHARE) on every append. Deltas of a
-- deleted post are ignored by vrss_post_counts and removed by vrss_fold_post_counters.
create index idx_post_counter_deltas_post on post_counter_deltas (post_id);

-- Moves the pending deltas of `post` into its columns, plus this change (the caller holds the
-- post's counter lock). One statement, one snapshot: the deltas deleted are the ones added; a
-- delta committed after it stays pending for the next fold.
create function vrss_fold_post(post bigint, d_likes integer, d_comments integer, d_reposts integer)
returns void
language plpgsql as $$
begin
  -- plpgsql, not sql: its plan is prepared once per session (the hot post folds on most writes).
  with folded as (
    delete from post_counter_deltas where post_id = post returning likes, comments, reposts
  ), pending as (
    select coalesce(sum(likes), 0)::integer as likes, coalesce(sum(comments), 0)::integer as comments,
           coalesce(sum(reposts), 0)::integer as reposts
    from folded
  )
  update posts p set
    likes_count    = greatest(p.likes_count + d_likes + pending.likes, 0),
    comments_count = greatest(p.comments_count + d_comments + pending.comments, 0),
    reposts_count  = greatest(p.reposts_count + d_reposts + pending.reposts, 0)
  from pending
  where p.id = post;
end
$$;

create function vrss_add_post_counters(post bigint, d_likes integer, d_comments integer, d_reposts integer)
returns void
language plpgsql as $$
begin
  if post is null or (d_likes = 0 and d_comments = 0 and d_reposts = 0) then return; end if;
  if not pg_try_advisory_xact_lock(1448236115, (post % 2147483648)::integer) then
    insert into post_counter_deltas (post_id, likes, comments, reposts)
    values (post, d_likes, d_comments, d_reposts);
  elsif exists (select 1 from post_counter_deltas where post_id = post) then
    perform vrss_fold_post(post, d_likes, d_comments, d_reposts);
  else
    -- Nothing pending (the common case): the plain update, measured cheaper than the fold.
    update posts set
      likes_count    = greatest(likes_count + d_likes, 0),
      comments_count = greatest(comments_count + d_comments, 0),
      reposts_count  = greatest(reposts_count + d_reposts, 0)
    where id = post;
  end if;
end
$$;

create or replace function vrss_count_likes() returns trigger
language plpgsql as $$
begin
  if tg_op in ('DELETE', 'UPDATE') and old.type = 'like' then
    perform vrss_add_post_counters(old.post_id, -1, 0, 0);
  end if;
  if tg_op in ('INSERT', 'UPDATE') and new.type = 'like' then
    perform vrss_add_post_counters(new.post_id, 1, 0, 0);
  end if;
  return null;
end
$$;

create or replace function vrss_count_reposts() returns trigger
language plpgsql as $$
begin
  if tg_op in ('DELETE', 'UPDATE') then
    perform vrss_add_post_counters(old.post_id, 0, 0, -1);
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    perform vrss_add_post_counters(new.post_id, 0, 0, 1);
  end if;
  return null;
end
$$;

create or replace function vrss_count_comments() returns trigger
language plpgsql as $$
declare
  old_live boolean := tg_op <> 'INSERT' and old.deleted_at is null;
  new_live boolean := tg_op <> 'DELETE' and new.deleted_at is null;
begin
  if old_live then
    perform vrss_add_post_counters(old.post_id, 0, -1, 0);
    if old.parent_comment_id is not null then
      update comments set replies_count = greatest(replies_count - 1, 0) where id = old.parent_comment_id;
    end if;
  end if;
  if new_live then
    perform vrss_add_post_counters(new.post_id, 0, 1, 0);
    if new.parent_comment_id is not null then
      update comments set replies_count = replies_count + 1 where id = new.parent_comment_id;
    end if;
  end if;
  return null;
end
$$;

-- The exact counters of the posts `ids`: the columns plus their pending deltas.
create function vrss_post_counts(ids bigint[])
returns table (post_id bigint, likes_count integer, comments_count integer, reposts_count integer)
language sql stable as $$
  select p.id,
         p.likes_count + coalesce(d.likes, 0),
         p.comments_count + coalesce(d.comments, 0),
         p.reposts_count + coalesce(d.reposts, 0)
  from posts p
  left join (select x.post_id, sum(x.likes)::integer as likes, sum(x.comments)::integer as comments,
                    sum(x.reposts)::integer as reposts
             from post_counter_deltas x where x.post_id = any(ids) group by x.post_id) d
    on d.post_id = p.id
  where p.id = any(ids)
$$;
comment on function vrss_post_counts(bigint[]) is
  'Exact likes/comments/reposts counts of posts at this moment: posts columns + pending post_counter_deltas';

-- Folds the pending deltas of up to max_posts posts whose counter lock is free (reconcile runs
-- it until it returns 0) and removes deltas of deleted posts. Returns how many posts it folded.
create function vrss_fold_post_counters(max_posts integer) returns integer
language plpgsql as $$
declare
  folded integer := 0;
  post bigint;
begin
  for post in select distinct d.post_id from post_counter_deltas d limit max_posts loop
    -- The post's counter lock first, also for a deleted post: its id may come back (a restore).
    if pg_try_advisory_xact_lock(1448236115, (post % 2147483648)::integer) then
      if exists (select 1 from posts where id = post) then
        perform vrss_fold_post(post, 0, 0, 0);
      else
        delete from post_counter_deltas where post_id = post;
      end if;
      folded := folded + 1;
    end if;
  end loop;
  return folded;
end
$$;

-- updated_at only for updates that SET a content column, and only when one of them differs.
-- The comparison is in the functions, not in a trigger WHEN clause: printing a WHEN clause
-- (pg_get_triggerdef, which status and verify-triggers read) locks the table.
create function vrss_posts_set_updated_at() returns trigger
language plpgsql as $$
begin
  if (old.user_id, old.type, old.status, old.visibility, old.title, old.content, old.content_html,
      old.media_urls, old.thumbnail_url, old.published_at, old.scheduled_for, old.created_at, old.deleted_at)
     is distinct from
     (new.user_id, new.type, new.status, new.visibility, new.title, new.content, new.content_html,
      new.media_urls, new.thumbnail_url, new.published_at, new.scheduled_for, new.created_at, new.deleted_at)
  then
    new.updated_at := now();
  end if;
  return new;
end
$$;
comment on function vrss_posts_set_updated_at() is
  'BEFORE UPDATE OF <posts content columns>: updated_at = now() when one of them changes';

create function vrss_comments_set_updated_at() returns trigger
language plpgsql as $$
begin
  if (old.post_id, old.user_id, old.parent_comment_id, old.content, old.content_html, old.created_at, old.deleted_at)
     is distinct from
     (new.post_id, new.user_id, new.parent_comment_id, new.content, new.content_html, new.created_at, new.deleted_at)
  then
    new.updated_at := now();
  end if;
  return new;
end
$$;
comment on function vrss_comments_set_updated_at() is
  'BEFORE UPDATE OF <comments content columns>: updated_at = now() when one of them changes';

drop trigger posts_set_updated_at on posts;
create trigger posts_set_updated_at
  before update of user_id, type, status, visibility, title, content, content_html, media_urls,
                   thumbnail_url, published_at, scheduled_for, created_at, deleted_at on posts
  for each row execute function vrss_posts_set_updated_at();

drop trigger comments_set_updated_at on comments;
create trigger comments_set_updated_at
  before update of post_id, user_id, parent_comment_id, content, content_html, created_at, deleted_at
  on comments
  for each row execute function vrss_comments_set_updated_at();

-- Fewer index entries per counter update would need likes_count out of
-- idx_posts_engagement_created, which the API's schema declares: kept (README "Write path").

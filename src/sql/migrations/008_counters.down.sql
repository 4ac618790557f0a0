-- Down script of 008_counters: pending deltas are folded into the posts columns first (no count
-- is lost), then the counter triggers go back to updating the post's row directly and the
-- updated_at triggers back to vrss_set_updated_at on every update.
-- Run it with the application stopped: a writer that already holds a post's row and then waits
-- for the deltas table would deadlock with the fold below (one of the two is cancelled, no count
-- is lost).
-- vrss-db:rows-kept post_counter_deltas folded into the posts columns below, so no --force is needed
lock table post_counter_deltas in exclusive mode;
update posts p set
  likes_count    = greatest(p.likes_count + d.likes, 0),
  comments_count = greatest(p.comments_count + d.comments, 0),
  reposts_count  = greatest(p.reposts_count + d.reposts, 0)
from (select post_id, sum(likes)::integer as likes, sum(comments)::integer as comments,
             sum(reposts)::integer as reposts
      from post_counter_deltas group by post_id) d
where p.id = d.post_id;

create or replace function vrss_count_likes() returns trigger
language plpgsql as $$
begin
  if tg_op in ('DELETE', 'UPDATE') and old.type = 'like' then
    perform vrss_bump_post_counter(old.post_id, 'likes_count', -1);
  end if;
  if tg_op in ('INSERT', 'UPDATE') and new.type = 'like' then
    perform vrss_bump_post_counter(new.post_id, 'likes_count', 1);
  end if;
  return null;
end
$$;

create or replace function vrss_count_reposts() returns trigger
language plpgsql as $$
begin
  if tg_op in ('DELETE', 'UPDATE') then
    perform vrss_bump_post_counter(old.post_id, 'reposts_count', -1);
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    perform vrss_bump_post_counter(new.post_id, 'reposts_count', 1);
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
    perform vrss_bump_post_counter(old.post_id, 'comments_count', -1);
    if old.parent_comment_id is not null then
      update comments set replies_count = greatest(replies_count - 1, 0) where id = old.parent_comment_id;
    end if;
  end if;
  if new_live then
    perform vrss_bump_post_counter(new.post_id, 'comments_count', 1);
    if new.parent_comment_id is not null then
      update comments set replies_count = replies_count + 1 where id = new.parent_comment_id;
    end if;
  end if;
  return null;
end
$$;

drop trigger posts_set_updated_at on posts;
create trigger posts_set_updated_at before update on posts
  for each row execute function vrss_set_updated_at('likes_count', 'comments_count', 'reposts_count', 'views_count');
drop trigger comments_set_updated_at on comments;
create trigger comments_set_updated_at before update on comments
  for each row execute function vrss_set_updated_at('likes_count', 'replies_count');

drop function vrss_posts_set_updated_at();
drop function vrss_comments_set_updated_at();
drop function vrss_fold_post_counters(integer);
drop function vrss_post_counts(bigint[]);
drop function vrss_add_post_counters(bigint, integer, integer, integer);
drop function vrss_fold_post(bigint, integer, integer, integer);
drop table post_counter_deltas;

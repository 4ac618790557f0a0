-- vrss-db:no-transaction
-- Phase 7: posts.visibility becomes the "ProfileVisibility" enum the VRSS API's client expects,
-- without blocking the table. Changing the column's type in place would rewrite posts and all
-- its indexes under ACCESS EXCLUSIVE — reads and writes of posts blocked for about 4 s at MVP
-- scale (500K posts; `npm run bench:api-compat`), ten times that at 10× — so instead:
--   1. a new column visibility_next, kept equal to visibility by a trigger on every write;
--   2. a backfill in batches of 5,000 ids, each its own short transaction (row locks only);
--   3. a NOT VALID check that it is set, validated while the application writes
--      (SHARE UPDATE EXCLUSIVE: reads and writes go on);
--   4. the swap, one short transaction under ACCESS EXCLUSIVE: drop the old column, rename the
--      new one, default 'public', NOT NULL (proven by the validated check: no scan).
-- Runs outside a transaction. Every step checks where it stands, so running the phase again
-- after an interruption (Ctrl+C, kill -9, a lock timeout) continues where it stopped. While
-- the backfill runs, updated_at ignores visibility_next: the backfill never makes a post look
-- edited.

-- 1. The new column and the triggers that keep it filled.
do $step$
begin
  if (select atttypid from pg_attribute where attrelid = 'posts'::regclass and attname = 'visibility')
     = '"ProfileVisibility"'::regtype then
    return;  -- already swapped
  end if;
  alter table posts add column if not exists visibility_next "ProfileVisibility";
  create or replace function vrss_posts_visibility_next() returns trigger
  language plpgsql as $fn$
  begin
    new.visibility_next := new.visibility::"ProfileVisibility";
    return new;
  end
  $fn$;
  create or replace trigger posts_visibility_next
    before insert or update of visibility on posts
    for each row execute function vrss_posts_visibility_next();
  create or replace trigger posts_set_updated_at before update on posts
    for each row execute function vrss_set_updated_at(
      'likes_count', 'comments_count', 'reposts_count', 'views_count', 'visibility_next');
end
$step$;

-- 2. The backfill: rows written from now on are filled by the trigger.
do $step$
declare
  last_id bigint := 0;
  max_id bigint;
begin
  if not exists (select 1 from pg_attribute where attrelid = 'posts'::regclass and attname = 'visibility_next' and not attisdropped) then
    return;
  end if;
  select coalesce(max(id), 0) into max_id from posts;
  while last_id < max_id loop
    update posts set visibility_next = visibility::"ProfileVisibility"
    where id > last_id and id <= last_id + 5000 and visibility_next is null;
    last_id := last_id + 5000;
    commit;
  end loop;
end
$step$;

-- 3. Proof that every row is filled, checked while the application writes.
do $step$
begin
  if not exists (select 1 from pg_attribute where attrelid = 'posts'::regclass and attname = 'visibility_next' and not attisdropped) then
    return;
  end if;
  if not exists (select 1 from pg_constraint where conrelid = 'posts'::regclass and conname = 'posts_visibility_next_check') then
    alter table posts add constraint posts_visibility_next_check check (visibility_next is not null) not valid;
  end if;
end
$step$;

do $step$
begin
  if exists (select 1 from pg_constraint where conrelid = 'posts'::regclass and conname = 'posts_visibility_next_check' and not convalidated) then
    alter table posts validate constraint posts_visibility_next_check;
  end if;
end
$step$;

-- 4. The swap: catalog changes only, in one short transaction.
do $step$
begin
  if not exists (select 1 from pg_attribute where attrelid = 'posts'::regclass and attname = 'visibility_next' and not attisdropped) then
    return;
  end if;
  lock table posts in access exclusive mode;
  drop trigger posts_visibility_next on posts;
  alter table posts drop constraint posts_visibility_check;
  alter table posts drop column visibility;
  alter table posts rename column visibility_next to visibility;
  alter table posts alter column visibility set default 'public';
  alter table posts alter column visibility set not null;
  alter table posts drop constraint posts_visibility_next_check;
  create or replace trigger posts_set_updated_at before update on posts
    for each row execute function vrss_set_updated_at('likes_count', 'comments_count', 'reposts_count', 'views_count');
  drop function vrss_posts_visibility_next();
end
$step$;

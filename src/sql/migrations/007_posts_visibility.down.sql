-- Down script of 007_posts_visibility: posts.visibility back to varchar(20) with its CHECK.
-- Unlike the phase, this rewrites posts under ACCESS EXCLUSIVE (seconds at MVP scale): a
-- rollback is an exception, run when the application is stopped.
alter table posts
  alter column visibility drop default,
  alter column visibility type varchar(20) using visibility::text,
  alter column visibility set default 'public',
  add constraint posts_visibility_check check (visibility in ('public', 'followers', 'private'));

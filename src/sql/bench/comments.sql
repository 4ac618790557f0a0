-- bench workload "comments": a comment, a reply to it, then the comment soft-deleted
-- (comments_count, replies_count and the soft-delete path of the counter trigger).
\set u random(1, :users)
\set p random(1, :posts)
begin;
insert into comments (post_id, user_id, content) values (:p, :u, 'bench comment') returning id as c \gset
insert into comments (post_id, user_id, parent_comment_id, content) values (:p, :u, :c, 'bench reply');
update comments set deleted_at = now() where id = :c;
commit;

-- bench workload "likes-spread" (a pgbench script; the built-in driver reads the same file):
-- one like and one unlike of a random post by a random user, in one transaction.
\set u random(1, :users)
\set p random(1, :posts)
begin;
insert into post_interactions (user_id, post_id, type) values (:u, :p, 'like') on conflict do nothing;
delete from post_interactions where user_id = :u and post_id = :p and type = 'like';
commit;

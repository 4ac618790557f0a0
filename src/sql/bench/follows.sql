-- bench workload "follows": a follows b, b follows a back (mutual: a friendship), a unfollows
-- b. A random pair drawn equal inserts nothing (the self-follow check).
\set a random(1, :users)
\set b random(1, :users)
begin;
insert into user_follows (follower_id, following_id) select :a::bigint, :b::bigint where :a::bigint <> :b::bigint on conflict do nothing;
insert into user_follows (follower_id, following_id) select :b::bigint, :a::bigint where :a::bigint <> :b::bigint on conflict do nothing;
delete from user_follows where follower_id = :a and following_id = :b;
commit;

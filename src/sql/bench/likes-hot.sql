-- bench workload "likes-hot": like and unlike of the one viral post (:hot) by random users.
\set u random(1, :users)
begin;
insert into post_interactions (user_id, post_id, type) values (:u, :hot, 'like') on conflict do nothing;
delete from post_interactions where user_id = :u and post_id = :hot and type = 'like';
commit;

-- bench workload "uploads": a user whose storage is 2 MB short of the quota uploads a file of
-- up to 1 MB (the quota check runs and passes) and deletes it.
\set u random(1, :users)
\set size random(1, 1048576)
begin;
insert into post_media (user_id, type, file_url, file_size_bytes, mime_type) values (:u, 'image', 'bench', :size, 'image/jpeg') returning id as m \gset
delete from post_media where id = :m;
commit;

-- bench scratch data: every user 1..$1 has one image of $2 bytes ($3 bytes short of the quota).
insert into post_media (user_id, type, file_url, file_size_bytes, mime_type)
select g, 'image', 'bench', $2::bigint, 'image/jpeg'
from generate_series(1, $1::int) g

-- bench scratch data: storage rows equal to the sums of load-media.sql ($2 bytes each, quota $3).
insert into storage_usage (user_id, used_bytes, quota_bytes, images_bytes)
select g, $2::bigint, $3::bigint, $2::bigint
from generate_series(1, $1::int) g

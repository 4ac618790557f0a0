-- bench scratch data: $2 published posts with ids 1..$2, spread over users 1..$1.
insert into posts (id, user_id, type, content, published_at)
select g, 1 + g % $1::int, 'text_short', 'bench post ' || g, now() - make_interval(secs => g)
from generate_series(1, $2::int) g

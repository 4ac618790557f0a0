-- bench scratch data: $1 users with ids 1..$1 (loaded before the triggers exist).
insert into users (id, username, email, password_hash)
select g, 'bench_' || g, 'bench_' || g || '@bench.invalid', 'x'
from generate_series(1, $1::int) g

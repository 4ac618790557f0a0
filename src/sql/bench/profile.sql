-- What a bench slice costs beyond its transactions: the server's WAL position and the posts
-- copy's update counters (how many of them were HOT, i.e. wrote no index entry). $1: the
-- schema of the copy. Stats of other backends are read fresh (no cached snapshot).
select pg_current_wal_lsn()::text as lsn,
       coalesce(s.n_tup_upd, 0)::bigint as updates,
       coalesce(s.n_tup_hot_upd, 0)::bigint as hot_updates
from (select pg_stat_clear_snapshot()) as fresh
left join pg_stat_user_tables s on s.schemaname = $1 and s.relname = 'posts'

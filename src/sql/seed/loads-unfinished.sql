-- Parallel seed loads that never finished (see loads-create-table.sql).
select id, started_at, seed, users, max_ids, started_by
from vrss_seed_loads
where finished_at is null
order by id

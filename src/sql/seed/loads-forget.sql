-- Loads that finished or were undone ($1: their ids) leave nothing to undo: their records go.
delete from vrss_seed_loads where id = any($1::bigint[])

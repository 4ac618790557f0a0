-- Records a parallel load before its first row is committed ($1 seed, $2 users, $3 max_ids as
-- JSON text, $4 who started it). Text, not a jsonb parameter: the driver would encode it again.
insert into vrss_seed_loads (seed, users, max_ids, started_by)
values ($1, $2, $3::text::jsonb, $4)
returning id

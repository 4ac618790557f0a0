-- Whether the parallel-load bookkeeping table exists (it is made by the first parallel load).
select to_regclass('vrss_seed_loads') is not null as exists

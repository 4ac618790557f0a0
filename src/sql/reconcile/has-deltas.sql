-- Whether the counters phase (008) is applied: post_counter_deltas is on the search_path.
select to_regclass('post_counter_deltas') is not null as deltas

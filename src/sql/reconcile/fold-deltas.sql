-- Folds the pending post_counter_deltas of up to $1 posts whose counter lock is free into the
-- posts columns (phase 8, vrss_fold_post_counters); returns how many posts it folded.
select vrss_fold_post_counters($1::integer) as folded

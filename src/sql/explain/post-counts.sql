-- exact counters of a page of 20 posts through phase 8's read path (target < 5 ms): posts
-- columns + pending post_counter_deltas. $1: the first post id of the page.
SELECT * FROM vrss_post_counts(array(SELECT id FROM posts WHERE id >= $1 ORDER BY id LIMIT 20))

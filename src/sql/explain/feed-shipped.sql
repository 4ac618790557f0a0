-- feed as shipped (phase 005): vrss_feed() picks the query shape by followee count.
-- $1: the reader's user id. The API pages with vrss_feed($1, last_created_at, last_id).
SELECT * FROM vrss_feed($1)

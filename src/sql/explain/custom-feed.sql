-- custom feed (target < 100 ms): posts of the given types ($2: an array of post types) from accounts the
-- user ($1) follows, published in the last 7 days, newest first.
SELECT p.* FROM posts p
WHERE p.user_id IN (SELECT following_id FROM user_follows WHERE follower_id = $1)
  AND p.type = ANY($2)
  AND p.status = 'published'
  AND p.deleted_at IS NULL
  AND p.created_at > (SELECT max(created_at) FROM posts) - interval '7 days'
ORDER BY p.created_at DESC, p.id DESC
LIMIT 20

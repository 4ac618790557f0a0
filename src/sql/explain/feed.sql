-- feed as the planning documents wrote it (docs/performance.md, target < 50 ms), with id as a tie-breaker
-- so that results compare with the shipped feed. Shown for reference. $1: the reader's user id.
SELECT * FROM posts
WHERE user_id IN (SELECT following_id FROM user_follows WHERE follower_id = $1)
  AND status = 'published'
  AND deleted_at IS NULL
ORDER BY created_at DESC, id DESC
LIMIT 20

-- feed (SPEC §6, target < 50 ms): the planning documents' query as written, with id as a
-- tie-breaker so that results are comparable. $1: the reader's user id.
SELECT * FROM posts
WHERE user_id IN (SELECT following_id FROM user_follows WHERE follower_id = $1)
  AND status = 'published'
  AND deleted_at IS NULL
ORDER BY created_at DESC, id DESC
LIMIT 20

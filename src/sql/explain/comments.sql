-- a post's comment thread (target < 20 ms): live top-level comments, newest first, with their
-- live replies. $1: post id.
SELECT c.id, c.parent_comment_id, c.user_id, c.content, c.replies_count, c.created_at
FROM comments c
WHERE c.post_id = $1 AND c.deleted_at IS NULL
ORDER BY coalesce(c.parent_comment_id, c.id), c.created_at
LIMIT 100

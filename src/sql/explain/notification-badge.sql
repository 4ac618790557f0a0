-- notification badge (docs/performance.md, target < 10 ms). $1: user id.
SELECT COUNT(*) FROM notifications
WHERE user_id = $1 AND is_read = FALSE

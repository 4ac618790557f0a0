-- storage quota check (docs/performance.md, target < 5 ms). $1: user id.
SELECT (quota_bytes - used_bytes) AS available
FROM storage_usage
WHERE user_id = $1

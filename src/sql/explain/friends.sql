-- friend lookup (docs/performance.md, target < 10 ms for 100 friends). $1: user id.
SELECT user_id_2 AS friend_id FROM friendships WHERE user_id_1 = $1
UNION
SELECT user_id_1 AS friend_id FROM friendships WHERE user_id_2 = $1

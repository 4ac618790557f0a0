-- A ready timeline found lacking sources goes back to unready: it is filled again, after a wait,
-- like a new one (a source added without that wait could miss a post written meanwhile).
update feed_timeline_readers set ready = false where reader_id = $1::bigint

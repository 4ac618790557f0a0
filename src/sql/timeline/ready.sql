update feed_timeline_readers set ready = true where reader_id = $1::bigint and not ready

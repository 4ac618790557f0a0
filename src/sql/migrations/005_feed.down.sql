-- Down script of 005_feed: removes the feed function and its two indexes.
drop function if exists vrss_feed(bigint, timestamptz, bigint, integer);
drop index if exists idx_posts_feed_recent;
drop index if exists idx_posts_feed_author;

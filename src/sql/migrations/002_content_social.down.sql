-- Down script of 002_content_social: removes exactly what the phase created (tables take their
-- indexes, constraints and triggers with them). vrss-db refuses to run it on tables that hold
-- rows unless --force is given.
drop table if exists reposts, comments, post_interactions, friendships, user_follows, post_media, posts;
drop function if exists vrss_track_storage(), vrss_apply_storage_delta(bigint, media_type, bigint, boolean),
  vrss_befriend_on_mutual_follow(), vrss_count_comments(), vrss_count_reposts(), vrss_count_likes(),
  vrss_bump_post_counter(bigint, text, integer);
drop type if exists interaction_type, media_type, post_status, post_type;

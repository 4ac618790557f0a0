-- Down script of 003_features: removes exactly what the phase created (tables take their
-- indexes, constraints and triggers with them). vrss-db refuses to run it on tables that hold
-- rows unless --force is given.
drop table if exists list_members, user_lists, feed_filters, custom_feeds, section_content, profile_sections;
drop type if exists filter_operator, filter_type, section_type;

-- Down script of 004_communication: removes exactly what the phase created (tables take their
-- indexes, constraints and triggers with them). vrss-db refuses to run it on tables that hold
-- rows unless --force is given.
drop table if exists user_subscriptions, notifications, messages, conversations;
drop function if exists vrss_touch_conversation();
drop type if exists subscription_status, notification_type;

-- Whether this session can write: a hot standby (in recovery) never can; a database or role
-- with default_transaction_read_only = on starts every transaction read-only.
select pg_is_in_recovery() as in_recovery,
       current_setting('transaction_read_only') = 'on' as read_only

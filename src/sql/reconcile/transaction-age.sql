-- Milliseconds since the current transaction began (now() is its start time): how long a repair
-- batch has held its row locks, measured by the server.
select extract(epoch from clock_timestamp() - now()) * 1000 as ms

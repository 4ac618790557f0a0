-- Moves the id sequence of table $1 to $2, only forward: an application inserting meanwhile may
-- have moved it further already.
select setval(seq, $2::bigint)
from (select pg_get_serial_sequence($1, 'id')::regclass as seq) s
where $2::bigint > coalesce(pg_sequence_last_value(seq), 0)

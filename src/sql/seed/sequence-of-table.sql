-- The id sequence of table $1, its name already quoted for ALTER SEQUENCE, and its increment.
select s.seqrelid::regclass::text as name, s.seqincrement as increment
from pg_sequence s where s.seqrelid = pg_get_serial_sequence($1, 'id')::regclass

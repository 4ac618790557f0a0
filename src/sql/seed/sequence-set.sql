-- Moves the id sequence of table $1 to $2 (the end of the range the seed reserved).
select setval(pg_get_serial_sequence($1, 'id'), $2)

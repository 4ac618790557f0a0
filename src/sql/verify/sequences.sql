-- The id sequences of a proof's tables ($1), whether this role owns them (ALTER SEQUENCE, which
-- makes them roll back with the proof, needs it) and their start value.
select s.name, pg_has_role(c.relowner, 'USAGE') as owned, q.start_value
from unnest($1::text[]) as t(tbl)
cross join lateral (select pg_get_serial_sequence(t.tbl, 'id') as name) s
join pg_class c on c.oid = s.name::regclass
join pg_sequences q on format('%I.%I', q.schemaname, q.sequencename)::regclass = c.oid

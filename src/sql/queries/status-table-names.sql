-- Names of the tables (plain and partitioned) in the current schema, for comparing with the
-- phases' manifest.
select coalesce(array_agg(c.relname::text), '{}') as names
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = current_schema()
  and c.relkind in ('r', 'p')

-- Indexes of the tables of schema $1; `constraint` marks those a PRIMARY KEY, UNIQUE or
-- EXCLUDE constraint owns (the constraint stands for them).
select t.relname as table, i.relname as name, pg_get_indexdef(x.indexrelid) as definition,
       x.indisvalid as valid,
       exists (select 1 from pg_constraint k
               where k.conindid = x.indexrelid and k.conrelid = x.indrelid
                 and k.contype in ('p', 'u', 'x')) as constraint
from pg_index x
join pg_class i on i.oid = x.indexrelid
join pg_class t on t.oid = x.indrelid
join pg_namespace n on n.oid = t.relnamespace
where n.nspname = $1 and t.relkind in ('r', 'p', 'm')
order by i.relname

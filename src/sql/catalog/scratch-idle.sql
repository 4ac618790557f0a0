-- Scratch databases (name like $1) that nobody is connected to.
select d.datname
from pg_database d
where d.datname like $1
  and not exists (select 1 from pg_stat_activity a where a.datid = d.oid)
order by d.datname

-- The schema the VRSS tables are in: where `users` is found on this session's search_path
-- (null when it is not found). Quoted for SQL text and for a search_path setting.
select quote_ident(n.nspname) as quoted, n.nspname as name
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
where c.oid = to_regclass('users')

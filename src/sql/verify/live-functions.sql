-- The VRSS trigger functions (vrss_*) of the live schema ($1) as CREATE OR REPLACE statements,
-- copied into the scratch schema of `verify-triggers --concurrency`.
select pg_get_functiondef(p.oid) as definition
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
where n.nspname = $1 and p.proname like 'vrss\_%'

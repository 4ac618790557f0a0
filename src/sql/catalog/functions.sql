-- Functions and procedures of schema $1 (not an extension's): signature, attributes and the
-- body exactly as written (prosrc), not pg_get_functiondef's layout.
select p.proname as name, p.prokind as kind,
       pg_get_function_identity_arguments(p.oid) as identity_arguments,
       pg_get_function_arguments(p.oid) as arguments,
       pg_get_function_result(p.oid) as result,
       l.lanname as language, p.prosrc as body,
       p.provolatile as volatility, p.proisstrict as strict, p.prosecdef as security_definer,
       p.proleakproof as leakproof, p.proparallel as parallel,
       coalesce(p.proconfig, '{}') as config,
       p.procost::text as cost, p.prorows::text as rows, p.proretset as returns_set
from pg_proc p
join pg_namespace n on n.oid = p.pronamespace
join pg_language l on l.oid = p.prolang
where n.nspname = $1 and p.prokind in ('f', 'p')
  and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
order by p.proname, pg_get_function_identity_arguments(p.oid)

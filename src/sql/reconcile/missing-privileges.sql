-- The table privileges a repair needs that the current role lacks ($1: tables, $2: privileges,
-- pairwise), checked before any work starts.
select n.tbl as "table", n.priv as privilege
from unnest($1::text[], $2::text[]) with ordinality as n(tbl, priv, i)
where to_regclass(n.tbl) is not null
  and not has_table_privilege(n.tbl, n.priv)
order by n.i

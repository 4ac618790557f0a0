-- $1 the bookkeeping table (a quoted, possibly schema-qualified name): its columns, or no rows
-- when it does not exist. Tells vrss-db's table from another tool's of the same name.
select a.attname::text as name, format_type(a.atttypid, a.atttypmod) as type
from pg_attribute a
where a.attrelid = to_regclass($1)
  and a.attnum > 0
  and not a.attisdropped
order by a.attnum

-- $1 a table a down script drops: whether it exists (rollback checks it for rows first).
select to_regclass($1) is not null as exists

-- Whether the database $1 exists (the embedded server creates it on first start).
select 1 from pg_database where datname = $1

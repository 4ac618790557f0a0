-- Server and database facts for `vrss-db status`.
select current_setting('server_version') as server_version,
       current_setting('server_version_num')::int as server_version_num,
       current_database() as database,
       current_user as "user",
       pg_database_size(current_database()) as database_bytes,
       current_schema() as schema,
       current_setting('search_path') as search_path

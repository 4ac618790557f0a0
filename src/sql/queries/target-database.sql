-- Where writes would land: the database (and whether it is a template), the schema new tables
-- go to (null when no schema of the search_path exists) and the search_path itself.
select d.datname as database,
       d.datistemplate as is_template,
       current_schema() as schema,
       current_setting('search_path') as search_path
from pg_database d
where d.datname = current_database()

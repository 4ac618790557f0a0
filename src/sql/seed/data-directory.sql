-- Where the server keeps its data, when this role may see it (superusers and
-- pg_read_all_settings); null otherwise.
select case
         when pg_has_role(current_user, 'pg_read_all_settings', 'member')
              or (select rolsuper from pg_roles where rolname = current_user)
         then current_setting('data_directory')
       end as data_directory

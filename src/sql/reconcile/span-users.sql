-- The ids users covers (0 and 0 when it is empty): reconcile walks it in ranges from lo to hi.
select coalesce(min(id), 0) as lo, coalesce(max(id), 0) as hi from users

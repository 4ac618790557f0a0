-- Whether the database already has users (then seed needs --append or --reset).
select exists (select 1 from users) as has_users

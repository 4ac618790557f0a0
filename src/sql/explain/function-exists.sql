-- Whether a function ($1: its signature, e.g. 'vrss_feed(bigint,timestamptz,bigint,integer)')
-- exists on the search_path.
select to_regprocedure($1) is not null as ok

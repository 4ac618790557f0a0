-- Which of the tables $1 exist (on the search_path).
select t as "table" from unnest($1::text[]) t where to_regclass(t) is not null

-- The secondary indexes (idx_*) of the given tables ($1), with their definitions: dropped
-- before a parallel COPY into an empty table and built again after it, which is faster.
select indexname, indexdef from pg_indexes
where schemaname = current_schema() and tablename = any($1::text[]) and indexname like 'idx\_%'

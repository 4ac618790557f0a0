-- Bookkeeping of vrss-db seed's parallel load: the tables are loaded in several transactions,
-- so a load that was interrupted (kill -9, lost connection) leaves committed rows behind. A row
-- here is a load that has not finished (a finished one deletes its row); the next seed removes
-- what it wrote: the tables were empty before it, and max_ids says which ids were its own.
create table if not exists vrss_seed_loads (
  id          bigint generated always as identity primary key,
  started_at  timestamptz not null default now(),
  finished_at timestamptz,
  seed        bigint      not null,
  users       integer     not null,
  max_ids     jsonb       not null,
  started_by  text        not null
);
comment on table vrss_seed_loads is 'Unfinished parallel loads of vrss-db seed, undone by the next seed';

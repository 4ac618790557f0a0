-- Bookkeeping of vrss-db migrate: one row per applied phase, written in the phase's transaction.
create table if not exists schema_migrations (
  version      integer primary key,
  name         text        not null,
  checksum     text        not null,
  applied_at   timestamptz not null default now(),
  execution_ms integer     not null,
  applied_by   text        not null default current_user
);
comment on table schema_migrations is 'Phases applied by vrss-db migrate: SHA-256 of the normalised file, when, how long, by whom';

-- The four reference subscription tiers of docs/schema.md. Idempotent: existing tiers are left as they
-- are. Fixed timestamps keep seeded databases byte-identical between runs.
insert into subscription_tiers (name, description, storage_bytes, price_monthly_cents, created_at, updated_at)
values
  ('Free', '50 MB of storage', 52428800, 0, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
  ('Basic', '1 GB of storage', 1073741824, 499, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
  ('Pro', '5 GB of storage', 5368709120, 999, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
  ('Premium', '10 GB of storage', 10737418240, 1499, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')
on conflict (name) do nothing

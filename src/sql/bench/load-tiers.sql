-- bench scratch data: the Free tier ($1 bytes), which the storage trigger reads.
insert into subscription_tiers (name, storage_bytes, price_monthly_cents) values ('Free', $1::bigint, 0)

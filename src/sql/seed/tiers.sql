-- The subscription tiers, whose quotas the generated subscriptions follow.
select id, name, storage_bytes from subscription_tiers order by id

-- The highest seq that retention has removed from the change log, per restaurant. With it the
-- integrity check (docs/operations.md, "Integrity check") tells history that retention pruned,
-- which cannot prove version counts, from history that went missing, which is a finding.
alter table staff_sync_counters add column if not exists pruned_through bigint not null default 0;

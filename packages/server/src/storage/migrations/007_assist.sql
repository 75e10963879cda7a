-- Assisted conflict resolution (docs/assist.md): every conflict the server suggested a resolution
-- for, and what the person then chose. The model is rebuilt from the decided rows (the latest
-- ones per restaurant) when a server starts, and other replicas catch up by `revision`, which
-- grows with every suggestion and decision written.

create sequence if not exists staff_sync_assist_revision;

create table if not exists staff_sync_assist_conflicts (
  restaurant_id text not null,
  conflict_id text not null,
  -- The conflict as the Suggester was given it: fields with base/mine/theirs, both edits, language.
  conflict jsonb not null,
  -- Per field: basis, rule, value, the model's P(mine), raw and calibrated confidence.
  suggestion jsonb not null,
  auto_applied boolean not null,
  suggested_at timestamptz not null,
  -- { choices, values?, decidedBy?, source: 'person' | 'implicit' }; null until decided.
  decision jsonb,
  decided_at timestamptz,
  revision bigint not null default nextval('staff_sync_assist_revision'),
  primary key (restaurant_id, conflict_id)
);

create index if not exists staff_sync_assist_decided_idx
  on staff_sync_assist_conflicts (restaurant_id, revision) where decision is not null;
create index if not exists staff_sync_assist_pending_idx
  on staff_sync_assist_conflicts (restaurant_id, suggested_at) where auto_applied and decision is null;
create index if not exists staff_sync_assist_revision_idx on staff_sync_assist_conflicts (revision);

-- Who and how, for suggested resolutions (docs/assist.md, docs/database.md): each change-log row
-- may say the job of the person who made it (`user_role`, from the token), when they made the edit
-- (`edited_at`, the message's timestamp, never later than the commit), and how it was decided
-- (`resolution`: the server applied a suggestion, or a person settled a conflict with `resolves`).
-- The server stamps these under the strategy `assisted` and whenever a resolution is involved, in
-- the transaction of the change itself; rows written otherwise leave them null.

alter table staff_sync_changes add column if not exists user_role text;
alter table staff_sync_changes add column if not exists edited_at timestamptz;
alter table staff_sync_changes add column if not exists resolution jsonb;

-- Stamp the change-log rows a mutation just wrote (an ACK that is no repeat): a staff change is
-- one row at the ACK's seq; a schedule change `cells` rows ending there. Returns the outcome.
create or replace function staff_sync_stamp(
  p_outcome jsonb, p_restaurant text, p_client text, p_seqnum bigint,
  p_role text, p_edited_at timestamptz, p_resolution jsonb
) returns jsonb
language plpgsql as $$
begin
  if p_outcome->>'type' = 'ACK' and not (p_outcome ? 'duplicate') then
    update staff_sync_changes
      set user_role = p_role, edited_at = least(coalesce(p_edited_at, created_at), created_at), resolution = p_resolution
      where restaurant_id = p_restaurant
        and seq > (p_outcome->>'seq')::bigint - coalesce((p_outcome->>'cells')::bigint, 1)
        and seq <= (p_outcome->>'seq')::bigint
        and client_id = p_client and sequence_number = p_seqnum;
  end if;
  return p_outcome;
end $$;

-- A conflict the server resolves itself (strategy `assisted`): the mutation's claim, answered
-- CONFLICT a moment ago, is reopened and the suggested changes are applied under the same client
-- and sequence number from the member's current version, so that a repeat of the message gets
-- this ACK (with `resolved`). Null when the claim is no longer a CONFLICT (a repeat got there).
-- Someone writing in between makes it a CONFLICT again (first-writer-wins from that version).
create or replace function staff_sync_resolve_staff(
  p_user_id text, p_user_name text, p_restaurant text, p_client text, p_seqnum bigint,
  p_staff_id uuid, p_changes jsonb, p_version integer,
  p_role text, p_edited_at timestamptz, p_resolution jsonb
) returns jsonb
language plpgsql as $$
declare
  v_fingerprint text;
  v_outcome jsonb;
begin
  delete from staff_sync_mutations
    where restaurant_id = p_restaurant and client_id = p_client and sequence_number = p_seqnum
      and outcome->>'type' = 'CONFLICT'
    returning fingerprint into v_fingerprint;
  if v_fingerprint is null then
    return null;
  end if;
  v_outcome := staff_sync_apply_as(p_user_id, p_user_name, p_restaurant, p_client, p_seqnum, v_fingerprint,
    'update', p_staff_id, p_changes, p_version, 'first-writer-wins');
  if v_outcome->>'type' = 'ACK' then
    v_outcome := v_outcome || jsonb_build_object('resolved', p_resolution->'resolved');
    update staff_sync_mutations set outcome = v_outcome
      where restaurant_id = p_restaurant and client_id = p_client and sequence_number = p_seqnum;
  end if;
  return staff_sync_stamp(v_outcome, p_restaurant, p_client, p_seqnum, p_role, p_edited_at, p_resolution);
end $$;

-- The same for one schedule cell: `p_cells` is the cell at its current version.
create or replace function staff_sync_resolve_cells(
  p_user_id text, p_user_name text, p_restaurant text, p_client text, p_seqnum bigint,
  p_cells jsonb, p_allowed jsonb, p_period_index integer, p_period_start date, p_period_end date,
  p_role text, p_edited_at timestamptz, p_resolution jsonb
) returns jsonb
language plpgsql as $$
declare
  v_fingerprint text;
  v_outcome jsonb;
begin
  delete from staff_sync_mutations
    where restaurant_id = p_restaurant and client_id = p_client and sequence_number = p_seqnum
      and outcome->>'type' = 'CONFLICT'
    returning fingerprint into v_fingerprint;
  if v_fingerprint is null then
    return null;
  end if;
  v_outcome := staff_sync_apply_cells(p_user_id, p_user_name, p_restaurant, p_client, p_seqnum, v_fingerprint,
    p_cells, 'first-writer-wins', p_allowed, p_period_index, p_period_start, p_period_end);
  if v_outcome->>'type' = 'ACK' then
    v_outcome := v_outcome || jsonb_build_object('resolved', p_resolution->'resolved');
    update staff_sync_mutations set outcome = v_outcome
      where restaurant_id = p_restaurant and client_id = p_client and sequence_number = p_seqnum;
  end if;
  return staff_sync_stamp(v_outcome, p_restaurant, p_client, p_seqnum, p_role, p_edited_at, p_resolution);
end $$;

-- One mutation as one function call: the sync server sends a single statement per mutation (one
-- round trip, its own transaction), instead of a dozen. The semantics are docs/protocol.md's; the
-- storage test suite checks them on both drivers.

-- The period rule as a constraint, so that every writer keeps it: an end must not be before its
-- start (a missing day counts as 1 for a start and 31 for an end).
create or replace function staff_sync_period_key(p jsonb, is_end boolean) returns integer
language sql immutable as $$
  select case
    when p is null or jsonb_typeof(p) <> 'object' then null
    else (p->>'year')::integer * 10000 + (p->>'month')::integer * 100
         + coalesce((p->>'day')::integer, case when is_end then 31 else 1 end)
  end
$$;

do $$
begin
  if not exists (select 1 from pg_constraint where conname = 'staff_sync_period_order_check') then
    alter table staff add constraint staff_sync_period_order_check
      check (staff_sync_period_key(end_period, true) >= staff_sync_period_key(start_period, false)) not valid;
  end if;
end $$;

-- The member's editable fields under their protocol names, for comparing with a client's changes.
create or replace function staff_sync_fields(s staff) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'name', s.name, 'position', s.position, 'department', s.department, 'status', s.status,
    'color', s.color, 'order', s.staff_order, 'startPeriod', s.start_period,
    'endPeriod', s.end_period, 'isActive', s.is_active)
$$;

-- Apply one mutation, or answer it with the outcome of its first delivery.
--   p_kind: 'create' | 'update' | 'delete'
--   p_changes: protocol field names -> new values (create: the fields given; delete: {"isActive": false})
--   p_version: the version the edit started from; null for a blind write
-- Returns {type: ACK, staffId, version, seq} | {type: CONFLICT, staffId, baseVersion, strategy,
-- current (a staff row), conflictingFields} | {type: ERROR, code, message, fields?}, plus
-- duplicate: true when it is the stored outcome of an earlier delivery, or {type: REUSED}.
create or replace function staff_sync_apply(
  p_restaurant text, p_client text, p_seqnum bigint, p_fingerprint text, p_kind text,
  p_staff_id uuid, p_changes jsonb, p_version integer, p_strategy text
) returns jsonb
language plpgsql as $$
declare
  v_prior record;
  v_cur staff%rowtype;
  v_fields jsonb;
  v_effective jsonb := '{}'::jsonb;
  v_key text;
  v_differing text[] := '{}';
  v_since text[];
  v_history integer;
  v_conflicting text[];
  v_version integer;
  v_id uuid;
  v_outcome jsonb;
begin
  perform set_config('staff_sync.client_id', p_client, true),
          set_config('staff_sync.sequence_number', p_seqnum::text, true);

  -- Claim (restaurant, client, sequence number); a concurrent claim of the same key waits here.
  insert into staff_sync_mutations (restaurant_id, client_id, sequence_number, fingerprint)
    values (p_restaurant, p_client, p_seqnum, p_fingerprint)
    on conflict do nothing;
  if not found then
    select fingerprint, outcome into v_prior from staff_sync_mutations
      where restaurant_id = p_restaurant and client_id = p_client and sequence_number = p_seqnum;
    if v_prior.fingerprint <> p_fingerprint then
      return jsonb_build_object('type', 'REUSED');
    end if;
    return v_prior.outcome || jsonb_build_object('duplicate', true);
  end if;

  if p_kind = 'create' then
    insert into staff (id, restaurant_id, name, position, department, status, color, staff_order,
                       start_period, end_period, is_active)
      values (coalesce(p_staff_id, gen_random_uuid()), p_restaurant, p_changes->>'name', p_changes->>'position',
              coalesce(p_changes->>'department', '調理'), coalesce(p_changes->>'status', '社員'),
              p_changes->>'color', coalesce((p_changes->>'order')::integer, 0),
              nullif(p_changes->'startPeriod', 'null'::jsonb), nullif(p_changes->'endPeriod', 'null'::jsonb),
              coalesce((p_changes->>'isActive')::boolean, true))
      on conflict (id) do nothing
      returning id, version into v_id, v_version;
    if v_id is null then
      v_outcome := jsonb_build_object('type', 'ERROR', 'code', 'VALIDATION_FAILED',
        'message', format('a staff member with id %s already exists', p_staff_id),
        'fields', jsonb_build_object('payload.id', 'already exists'));
    else
      v_outcome := jsonb_build_object('type', 'ACK', 'staffId', v_id, 'version', v_version,
        'seq', current_setting('staff_sync.last_seq')::bigint);
    end if;
  else
    select * into v_cur from staff where id = p_staff_id and restaurant_id = p_restaurant for update;
    if not found then
      v_outcome := jsonb_build_object('type', 'ERROR', 'code', 'NOT_FOUND',
        'message', format('staff member %s does not exist', p_staff_id));
    elsif p_version is not null and p_version > v_cur.version then
      v_outcome := jsonb_build_object('type', 'ERROR', 'code', 'VALIDATION_FAILED',
        'message', format('version %s is newer than the member''s current version %s', p_version, v_cur.version),
        'fields', jsonb_build_object('payload.version', format('must be at most %s', v_cur.version)));
    elsif p_kind = 'update' and not v_cur.is_active and (p_changes->'isActive') is distinct from 'true'::jsonb then
      v_outcome := jsonb_build_object('type', 'ERROR', 'code', 'NOT_FOUND',
        'message', format('staff member %s was deleted; restore it with isActive: true', p_staff_id));
    else
      -- The changes that differ from the member as it is now.
      v_fields := staff_sync_fields(v_cur);
      for v_key in select jsonb_object_keys(p_changes) loop
        if (v_fields->v_key) is distinct from (p_changes->v_key) then
          v_effective := v_effective || jsonb_build_object(v_key, p_changes->v_key);
          v_differing := v_differing || v_key;
        end if;
      end loop;

      -- An edit from an older version: the strategy decides (docs/protocol.md, guarantee 6).
      if p_version is not null and p_version < v_cur.version and p_strategy <> 'last-writer-wins' then
        select coalesce(array_agg(distinct f), '{}'), count(distinct c.version) into v_since, v_history
          from staff_sync_changes c left join lateral unnest(c.changed) f on true
          where c.restaurant_id = p_restaurant and c.staff_id = p_staff_id and c.version > p_version;
        if v_history < v_cur.version - p_version then
          v_conflicting := v_differing; -- the log no longer tells what changed: every difference counts
        else
          v_conflicting := array(select unnest(v_differing) intersect select unnest(v_since));
        end if;
        if p_strategy <> 'merge' or cardinality(v_conflicting) > 0 then
          v_outcome := jsonb_build_object('type', 'CONFLICT', 'staffId', p_staff_id, 'baseVersion', p_version,
            'strategy', p_strategy, 'current', to_jsonb(v_cur),
            'conflictingFields', to_jsonb(array(select unnest(v_conflicting) order by 1)));
        end if;
      end if;

      if v_outcome is null and v_effective = '{}'::jsonb then
        -- Nothing to write: the member already looks like this.
        v_outcome := jsonb_build_object('type', 'ACK', 'staffId', p_staff_id, 'version', v_cur.version,
          'seq', (select seq from staff_sync_counters where restaurant_id = p_restaurant));
      elsif v_outcome is null and staff_sync_period_key(
              case when v_effective ? 'endPeriod' then nullif(v_effective->'endPeriod', 'null'::jsonb) else v_cur.end_period end, true)
            < staff_sync_period_key(
              case when v_effective ? 'startPeriod' then nullif(v_effective->'startPeriod', 'null'::jsonb) else v_cur.start_period end, false) then
        v_outcome := jsonb_build_object('type', 'ERROR', 'code', 'VALIDATION_FAILED',
          'message', 'endPeriod must not be before startPeriod',
          'fields', jsonb_build_object('payload.changes.endPeriod', 'endPeriod must not be before startPeriod'));
      elsif v_outcome is null then
        update staff set
          name = case when v_effective ? 'name' then v_effective->>'name' else name end,
          position = case when v_effective ? 'position' then v_effective->>'position' else position end,
          department = case when v_effective ? 'department' then v_effective->>'department' else department end,
          status = case when v_effective ? 'status' then v_effective->>'status' else status end,
          color = case when v_effective ? 'color' then v_effective->>'color' else color end,
          staff_order = case when v_effective ? 'order' then (v_effective->>'order')::integer else staff_order end,
          start_period = case when v_effective ? 'startPeriod' then nullif(v_effective->'startPeriod', 'null'::jsonb) else start_period end,
          end_period = case when v_effective ? 'endPeriod' then nullif(v_effective->'endPeriod', 'null'::jsonb) else end_period end,
          is_active = case when v_effective ? 'isActive' then (v_effective->>'isActive')::boolean else is_active end
        where id = p_staff_id and restaurant_id = p_restaurant
        returning version into v_version;
        v_outcome := jsonb_build_object('type', 'ACK', 'staffId', p_staff_id, 'version', v_version,
          'seq', current_setting('staff_sync.last_seq')::bigint);
      end if;
    end if;
  end if;

  update staff_sync_mutations set outcome = v_outcome
    where restaurant_id = p_restaurant and client_id = p_client and sequence_number = p_seqnum;
  return v_outcome;
end $$;

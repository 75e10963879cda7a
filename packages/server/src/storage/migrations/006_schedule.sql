-- The shift schedule as a second collection (docs/database.md, "The schedule"). A cell is
-- (restaurant, staff member, date) -> value, with its own version, in `schedule_cells`. The real
-- app keeps each period's schedule as one JSONB document, `schedules.schedule_data`
-- ({ [staffId]: { ["YYYY-MM-DD"]: value } }); both are kept in step by triggers, so a cell written
-- through the server shows in the document, and a whole-document write by the old app becomes
-- the cell changes it made, versioned and broadcast like any other writer's.

create table if not exists schedules (
  id uuid primary key default gen_random_uuid(),
  schedule_data jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
-- The app's table may predate these: a schedule's restaurant and period index, filled on import.
alter table schedules add column if not exists restaurant_id text;
alter table schedules add column if not exists period_index integer;
create unique index if not exists schedules_restaurant_period_idx on schedules (restaurant_id, period_index)
  where restaurant_id is not null and period_index is not null;

create table if not exists schedule_staff_assignments (
  schedule_id uuid not null,
  staff_id uuid not null,
  period_index integer not null
);

create table if not exists schedule_cells (
  restaurant_id text not null,
  staff_id uuid not null,
  date date not null,
  value text,                     -- null: cleared (the row stays, so its version does)
  version integer not null default 1,
  schedule_id uuid,
  period_index integer,
  updated_at timestamptz not null default now(),
  primary key (restaurant_id, staff_id, date)
);
create index if not exists schedule_cells_schedule_idx on schedule_cells (schedule_id);

-- A document key as a date, or null when it is none (the old app's write must never fail on it).
create or replace function staff_sync_try_date(p text) returns date
language plpgsql immutable as $$
begin
  if p is null or p !~ '^\d{4}-\d{2}-\d{2}$' then return null; end if;
  return p::date;
exception when others then
  return null;
end $$;

create or replace function staff_sync_try_uuid(p text) returns uuid
language plpgsql immutable as $$
begin
  if p is null or p !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then return null; end if;
  return p::uuid;
end $$;

-- BEFORE: a real change of a cell's value gets version + 1 and a fresh updated_at, whoever writes.
create or replace function staff_sync_cell_before_write() returns trigger
language plpgsql as $$
begin
  if TG_OP = 'INSERT' then
    NEW.version := 1;
    NEW.updated_at := now();
    return NEW;
  end if;
  if NEW.restaurant_id <> OLD.restaurant_id or NEW.staff_id <> OLD.staff_id or NEW.date <> OLD.date then
    raise exception 'staff-sync: a schedule cell cannot move' using errcode = 'check_violation';
  end if;
  NEW.schedule_id := coalesce(NEW.schedule_id, OLD.schedule_id);
  NEW.period_index := coalesce(NEW.period_index, OLD.period_index);
  if NEW.value is not distinct from OLD.value then
    NEW.version := OLD.version;
    NEW.updated_at := OLD.updated_at;
  else
    NEW.version := OLD.version + 1;
    NEW.updated_at := greatest(now(), OLD.updated_at);
  end if;
  return NEW;
end $$;

-- AFTER: log the change with the restaurant's next seq (the same counter as the roster), notify
-- the feed, and write it into the schedule's document unless the document is where it came from.
create or replace function staff_sync_cell_after_write() returns trigger
language plpgsql as $$
declare
  v_cell schedule_cells%rowtype;
  v_value text;
  v_version integer;
  v_seq bigint;
  v_row jsonb;
  v_client text := coalesce(nullif(current_setting('staff_sync.client_id', true), ''), 'database');
  v_seqnum bigint := coalesce(nullif(current_setting('staff_sync.sequence_number', true), '')::bigint, 0);
  v_user_id text := nullif(current_setting('staff_sync.user_id', true), '');
  v_user_name text := nullif(current_setting('staff_sync.user_name', true), '');
  v_bulk integer := coalesce(nullif(current_setting('staff_sync.bulk_size', true), '')::integer, 1);
  -- Cells of one bulk change get consecutive seqs; `bulk_left` counts down to 0 at its last one.
  v_left integer := greatest(coalesce(nullif(current_setting('staff_sync.bulk_left', true), '')::integer, 1) - 1, 0);
  v_created timestamptz := now();
  v_payload text;
begin
  if TG_OP = 'DELETE' then
    if OLD.value is null then return null; end if;
    v_cell := OLD;
    v_value := null;
    v_version := OLD.version + 1;
  else
    if TG_OP = 'UPDATE' and NEW.version = OLD.version then return null; end if;
    if TG_OP = 'INSERT' and NEW.value is null then return null; end if;
    v_cell := NEW;
    v_value := NEW.value;
    v_version := NEW.version;
  end if;
  v_row := jsonb_build_object('staff_id', v_cell.staff_id, 'date', to_char(v_cell.date, 'YYYY-MM-DD'),
    'value', v_value, 'version', v_version, 'schedule_id', v_cell.schedule_id,
    'period_index', v_cell.period_index, 'bulk', v_bulk, 'bulk_left', v_left);
  perform set_config('staff_sync.bulk_left', v_left::text, true);

  insert into staff_sync_counters as c (restaurant_id, seq) values (v_cell.restaurant_id, 1)
    on conflict (restaurant_id) do update set seq = c.seq + 1
    returning c.seq into v_seq;
  insert into staff_sync_changes
    (restaurant_id, seq, collection, staff_id, item_key, op, client_id, sequence_number, user_id, user_name,
     changed, row, version, created_at)
    values (v_cell.restaurant_id, v_seq, 'shift', v_cell.staff_id, to_char(v_cell.date, 'YYYY-MM-DD'),
      'SHIFT_BROADCAST', v_client, v_seqnum, v_user_id, v_user_name, array['shiftValue'], v_row, v_version, v_created);
  perform set_config('staff_sync.last_seq', v_seq::text, true);

  v_payload := json_build_object(
    'restaurant_id', v_cell.restaurant_id, 'seq', v_seq, 'collection', 'shift', 'staff_id', v_cell.staff_id,
    'item_key', to_char(v_cell.date, 'YYYY-MM-DD'), 'op', 'SHIFT_BROADCAST', 'client_id', v_client,
    'sequence_number', v_seqnum, 'user_id', v_user_id, 'user_name', v_user_name, 'changed', array['shiftValue'],
    'row', v_row, 'version', v_version, 'created_at', v_created)::text;
  if octet_length(v_payload) > 7900 then
    v_payload := json_build_object('restaurant_id', v_cell.restaurant_id, 'seq', v_seq, 'truncated', true)::text;
  end if;
  perform pg_notify('staff_sync_changes', v_payload);

  -- Into the document, unless the change came from it.
  if v_cell.schedule_id is not null and current_setting('staff_sync.document_write', true) is distinct from 'on' then
    perform set_config('staff_sync.cell_write', 'on', true);
    update schedules set
      schedule_data = case
        when v_value is null then schedule_data #- array[v_cell.staff_id::text, to_char(v_cell.date, 'YYYY-MM-DD')]
        else jsonb_set(
          case when schedule_data ? v_cell.staff_id::text then schedule_data
               else schedule_data || jsonb_build_object(v_cell.staff_id::text, '{}'::jsonb) end,
          array[v_cell.staff_id::text, to_char(v_cell.date, 'YYYY-MM-DD')], to_jsonb(v_value))
      end,
      updated_at = now()
      where id = v_cell.schedule_id;
    perform set_config('staff_sync.cell_write', '', true);
  end if;
  return null;
end $$;

drop trigger if exists staff_sync_cell_before_write on schedule_cells;
create trigger staff_sync_cell_before_write before insert or update on schedule_cells
  for each row execute function staff_sync_cell_before_write();
drop trigger if exists staff_sync_cell_after_write on schedule_cells;
create trigger staff_sync_cell_after_write after insert or update or delete on schedule_cells
  for each row execute function staff_sync_cell_after_write();

-- The cells that differ between two documents, with the new value (null: gone). Keys that are no
-- member id or no date are left out.
create or replace function staff_sync_document_diff(p_old jsonb, p_new jsonb)
returns table (staff_id uuid, date date, value text)
language sql immutable as $$
  select staff_sync_try_uuid(k.staff_key), staff_sync_try_date(k.date_key), p_new -> k.staff_key ->> k.date_key
  from (
    select s.key as staff_key, d.key as date_key
      from jsonb_each(p_new) s,
           jsonb_each(case when jsonb_typeof(s.value) = 'object' then s.value else '{}'::jsonb end) d
    union
    select s.key, d.key
      from jsonb_each(p_old) s,
           jsonb_each(case when jsonb_typeof(s.value) = 'object' then s.value else '{}'::jsonb end) d
  ) k
  where (p_new -> k.staff_key -> k.date_key) is distinct from (p_old -> k.staff_key -> k.date_key)
    and staff_sync_try_uuid(k.staff_key) is not null and staff_sync_try_date(k.date_key) is not null
$$;

-- Make a schedule's cells say what its document says, from `p_from` (what the cells hold now, as a
-- document): one bulk change, logged as the database's. Returns the cells changed.
create or replace function staff_sync_document_to_cells(p_schedule schedules, p_from jsonb) returns integer
language plpgsql as $$
declare
  v_new jsonb := case when jsonb_typeof(p_schedule.schedule_data) = 'object' then p_schedule.schedule_data else '{}'::jsonb end;
  v_changed integer;
begin
  select count(*) into v_changed from staff_sync_document_diff(p_from, v_new);
  if v_changed = 0 then return 0; end if;
  perform set_config('staff_sync.document_write', 'on', true),
          set_config('staff_sync.bulk_size', v_changed::text, true),
          set_config('staff_sync.bulk_left', v_changed::text, true);
  insert into schedule_cells as c (restaurant_id, staff_id, date, value, schedule_id, period_index)
    select p_schedule.restaurant_id, d.staff_id, d.date, d.value, p_schedule.id, p_schedule.period_index
      from staff_sync_document_diff(p_from, v_new) d
      order by d.staff_id, d.date
    on conflict (restaurant_id, staff_id, date) do update
      set value = excluded.value, schedule_id = excluded.schedule_id, period_index = excluded.period_index;
  perform set_config('staff_sync.document_write', '', true),
          set_config('staff_sync.bulk_size', '', true),
          set_config('staff_sync.bulk_left', '', true);
  return v_changed;
end $$;

-- The old app's path: a whole-document write becomes the cell changes it made, in one go (a bulk
-- change). Keys that are no member id or no date stay in the document and are ignored; the write
-- itself always succeeds.
create or replace function staff_sync_document_after_write() returns trigger
language plpgsql as $$
begin
  if current_setting('staff_sync.cell_write', true) = 'on' or NEW.restaurant_id is null then
    return null;
  end if;
  perform staff_sync_document_to_cells(NEW,
    case when TG_OP = 'UPDATE' and jsonb_typeof(OLD.schedule_data) = 'object' then OLD.schedule_data else '{}'::jsonb end);
  return null;
end $$;

-- Adopt a schedule document written before staff-sync (staff-sync import-schedule): its cells are
-- made to say what it says. Returns the cells changed; 0 for a schedule without a restaurant.
create or replace function staff_sync_adopt_schedule(p_id uuid) returns integer
language plpgsql as $$
declare
  v_schedule schedules%rowtype;
  v_cells jsonb;
begin
  select * into v_schedule from schedules where id = p_id for update;
  if not found or v_schedule.restaurant_id is null then return 0; end if;
  select coalesce(jsonb_object_agg(staff_id::text, cells), '{}'::jsonb) into v_cells
    from (select staff_id, jsonb_object_agg(to_char(date, 'YYYY-MM-DD'), value) as cells
            from schedule_cells where schedule_id = p_id and value is not null group by staff_id) x;
  return staff_sync_document_to_cells(v_schedule, v_cells);
end $$;

drop trigger if exists staff_sync_document_after_write on schedules;
create trigger staff_sync_document_after_write after insert or update of schedule_data on schedules
  for each row execute function staff_sync_document_after_write();

-- The schedule of a restaurant's period: found, or made (empty) on first use.
create or replace function staff_sync_schedule_for(p_restaurant text, p_period_index integer) returns uuid
language plpgsql as $$
declare
  v_id uuid;
begin
  select id into v_id from schedules where restaurant_id = p_restaurant and period_index = p_period_index;
  if v_id is null then
    insert into schedules (restaurant_id, period_index) values (p_restaurant, p_period_index)
      on conflict (restaurant_id, period_index) where restaurant_id is not null and period_index is not null do nothing
      returning id into v_id;
    if v_id is null then
      select id into v_id from schedules where restaurant_id = p_restaurant and period_index = p_period_index;
    end if;
  end if;
  return v_id;
end $$;

-- Apply one schedule change (SHIFT_UPDATE: one cell; SHIFT_BULK_UPDATE: many) as one
-- transaction, all or nothing, or answer it with the outcome of its first delivery.
--   p_cells: [{ staffId, date, value (null: clear), version (null: blind write) }], sorted by the caller
--   p_allowed: { "symbols": [every symbol], "<status>": [the symbols that status may use] }
--   p_period_start, p_period_end: the period's dates, when the message named a period
-- Returns {type: ACK, seq, cells, versions} | {type: CONFLICT, strategy, cells: [...]} |
-- {type: ERROR, code, message, fields?}, plus duplicate: true for a repeat, or {type: REUSED}.
create or replace function staff_sync_apply_cells(
  p_user_id text, p_user_name text, p_restaurant text, p_client text, p_seqnum bigint, p_fingerprint text,
  p_cells jsonb, p_strategy text, p_allowed jsonb, p_period_index integer, p_period_start date, p_period_end date
) returns jsonb
language plpgsql as $$
declare
  v_prior record;
  v_cell jsonb;
  v_staff_id uuid;
  v_date date;
  v_value text;
  v_base integer;
  v_member staff%rowtype;
  v_current schedule_cells%rowtype;
  v_cur_version integer;
  v_key integer;
  v_others integer;
  v_history integer;
  v_conflicts jsonb := '[]'::jsonb;
  v_outcome jsonb;
  v_write jsonb := '[]'::jsonb;
  v_versions jsonb := '{}'::jsonb;
  v_schedule uuid;
  v_period integer;
  v_written integer := 0;
begin
  perform set_config('staff_sync.client_id', p_client, true),
          set_config('staff_sync.sequence_number', p_seqnum::text, true),
          set_config('staff_sync.user_id', coalesce(p_user_id, ''), true),
          set_config('staff_sync.user_name', coalesce(p_user_name, ''), true);

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

  for v_cell in select * from jsonb_array_elements(p_cells) loop
    v_staff_id := (v_cell->>'staffId')::uuid;
    v_date := (v_cell->>'date')::date;
    v_value := v_cell->>'value';
    v_base := (v_cell->>'version')::integer;
    select * into v_member from staff where id = v_staff_id and restaurant_id = p_restaurant for share;
    if not found or not v_member.is_active then
      v_outcome := jsonb_build_object('type', 'ERROR', 'code', 'NOT_FOUND',
        'message', format('staff member %s does not exist', v_staff_id));
      exit;
    end if;
    if p_period_start is not null and (v_date < p_period_start or v_date > p_period_end) then
      v_outcome := jsonb_build_object('type', 'ERROR', 'code', 'VALIDATION_FAILED',
        'message', format('%s is not in period %s (%s to %s)', v_date, p_period_index, p_period_start, p_period_end),
        'fields', jsonb_build_object(v_cell->>'field', 'is not in the period'));
      exit;
    end if;
    v_key := to_char(v_date, 'YYYYMMDD')::integer;
    if v_key < coalesce(staff_sync_period_key(v_member.start_period, false), 0)
       or v_key > coalesce(staff_sync_period_key(v_member.end_period, true), 99999999) then
      v_outcome := jsonb_build_object('type', 'ERROR', 'code', 'VALIDATION_FAILED',
        'message', format('%s is not employed on %s', v_member.name, v_date),
        'fields', jsonb_build_object(v_cell->>'field', 'the member is not employed on this date'));
      exit;
    end if;
    if v_value is not null and (p_allowed->'symbols') ? v_value
       and not coalesce((p_allowed->v_member.status) ? v_value, false) then
      v_outcome := jsonb_build_object('type', 'ERROR', 'code', 'VALIDATION_FAILED',
        'message', format('"%s" is not a symbol a %s member may have', v_value, v_member.status),
        'fields', jsonb_build_object(v_cell->>'field', format('not allowed for %s', v_member.status)));
      exit;
    end if;

    select * into v_current from schedule_cells
      where restaurant_id = p_restaurant and staff_id = v_staff_id and date = v_date for update;
    v_cur_version := coalesce(v_current.version, 0);
    if v_base is not null and v_base > v_cur_version then
      v_outcome := jsonb_build_object('type', 'ERROR', 'code', 'VALIDATION_FAILED',
        'message', format('version %s is newer than the cell''s current version %s', v_base, v_cur_version),
        'fields', jsonb_build_object(v_cell->>'versionField', format('must be at most %s', v_cur_version)));
      exit;
    end if;
    if v_base is not null and v_base < v_cur_version and p_strategy <> 'last-writer-wins'
       and v_current.value is distinct from v_value then
      -- Only someone else's change since the base counts: this client's own do not (a cell has
      -- one field, so merge, first-writer-wins and user-choice agree). A log that no longer
      -- reaches back to the base cannot tell: then it conflicts.
      select count(*) filter (where client_id <> p_client), count(*) into v_others, v_history
        from staff_sync_changes
        where restaurant_id = p_restaurant and collection = 'shift' and staff_id = v_staff_id
          and item_key = to_char(v_date, 'YYYY-MM-DD') and version > v_base;
      if v_others > 0 or v_history < v_cur_version - v_base then
        v_conflicts := v_conflicts || jsonb_build_array(jsonb_build_object(
          'staffId', v_staff_id, 'dateKey', to_char(v_date, 'YYYY-MM-DD'), 'baseVersion', v_base,
          'current', jsonb_build_object('shiftValue', v_current.value, 'version', v_cur_version),
          'attempted', v_value));
        continue;
      end if;
    end if;
    if v_current.value is distinct from v_value and not (v_current.staff_id is null and v_value is null) then
      v_write := v_write || jsonb_build_array(v_cell);
    else
      v_versions := jsonb_set(
        case when v_versions ? v_staff_id::text then v_versions else v_versions || jsonb_build_object(v_staff_id::text, '{}'::jsonb) end,
        array[v_staff_id::text, to_char(v_date, 'YYYY-MM-DD')], to_jsonb(v_cur_version));
    end if;
  end loop;

  if v_outcome is null and jsonb_array_length(v_conflicts) > 0 then
    v_outcome := jsonb_build_object('type', 'CONFLICT', 'strategy', p_strategy, 'cells', v_conflicts,
      'conflictingFields', jsonb_build_array('shiftValue'));
  end if;

  if v_outcome is null then
    perform set_config('staff_sync.bulk_size', jsonb_array_length(v_write)::text, true),
            set_config('staff_sync.bulk_left', jsonb_array_length(v_write)::text, true);
    for v_cell in select * from jsonb_array_elements(v_write) loop
      v_staff_id := (v_cell->>'staffId')::uuid;
      v_date := (v_cell->>'date')::date;
      v_period := coalesce(p_period_index, (v_cell->>'periodIndex')::integer);
      v_schedule := case when v_period is null then null else staff_sync_schedule_for(p_restaurant, v_period) end;
      insert into schedule_cells as c (restaurant_id, staff_id, date, value, schedule_id, period_index)
        values (p_restaurant, v_staff_id, v_date, v_cell->>'value', v_schedule, v_period)
        on conflict (restaurant_id, staff_id, date) do update
          set value = excluded.value, schedule_id = coalesce(excluded.schedule_id, c.schedule_id),
              period_index = coalesce(excluded.period_index, c.period_index)
        returning version into v_cur_version;
      v_versions := jsonb_set(
        case when v_versions ? v_staff_id::text then v_versions else v_versions || jsonb_build_object(v_staff_id::text, '{}'::jsonb) end,
        array[v_staff_id::text, to_char(v_date, 'YYYY-MM-DD')], to_jsonb(v_cur_version));
      v_written := v_written + 1;
    end loop;
    perform set_config('staff_sync.bulk_size', '', true), set_config('staff_sync.bulk_left', '', true);
    v_outcome := jsonb_build_object('type', 'ACK', 'cells', v_written, 'versions', v_versions,
      'seq', case when v_written > 0 then current_setting('staff_sync.last_seq')::bigint
                  else coalesce((select seq from staff_sync_counters where restaurant_id = p_restaurant), 0) end);
  end if;

  update staff_sync_mutations set outcome = v_outcome
    where restaurant_id = p_restaurant and client_id = p_client and sequence_number = p_seqnum;
  return v_outcome;
end $$;

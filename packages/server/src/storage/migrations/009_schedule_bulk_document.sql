-- The schedule document kept in step with a bulk change once, not once per cell (docs/database.md,
-- "The schedule"). Before, every cell of a bulk change rewrote the whole `schedule_data` document:
-- 1,240 rewrites of a document of 1,240 cells for a whole period. Now the cells of a bulk change
-- (`staff_sync.bulk_size` > 1) leave the document alone until the last of them (`bulk_left` 0),
-- which writes every cell of that schedule into it in one update. Single cells are unchanged.
--
-- staff_sync_apply_cells gathers what a bulk change writes in arrays appended in place, not in a
-- jsonb grown (and copied) cell by cell, and looks the period's schedule up once.
--
-- And a document that is not a JSON object (a string, an array: an app that wrote
-- `JSON.stringify(data)` as the value) is refused instead of read as empty, which cleared every
-- cell of the period.

-- The document with every cell of the schedule written in: a member's dates take the cells' values
-- (a cleared cell leaves), keys that are no member of the schedule's cells stay as they are.
create or replace function staff_sync_document_with_cells(p_document jsonb, p_schedule uuid) returns jsonb
language sql stable as $$
  with patch as (
    select staff_id::text as staff_key, jsonb_object_agg(to_char(date, 'YYYY-MM-DD'), value) as dates
      from schedule_cells where schedule_id = p_schedule group by staff_id
  ), doc as (
    select key, value from jsonb_each(case when jsonb_typeof(p_document) = 'object' then p_document else '{}'::jsonb end)
  )
  select coalesce(jsonb_object_agg(k, v), '{}'::jsonb) from (
    select coalesce(doc.key, patch.staff_key) as k,
           case when patch.staff_key is null then doc.value
                -- Cleared cells are rows with a null value: strip them from the member's dates.
                else jsonb_strip_nulls(case when jsonb_typeof(doc.value) = 'object' then doc.value else '{}'::jsonb end
                                       || patch.dates) end as v
      from doc full join patch on patch.staff_key = doc.key
  ) merged
$$;

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

  -- Into the document, unless the change came from it; a bulk change's cells all at once, at its last.
  if v_cell.schedule_id is not null and current_setting('staff_sync.document_write', true) is distinct from 'on' then
    if v_bulk > 1 and v_left > 0 then return null; end if;
    perform set_config('staff_sync.cell_write', 'on', true);
    if v_bulk > 1 then
      update schedules set schedule_data = staff_sync_document_with_cells(schedule_data, id), updated_at = now()
        where id = v_cell.schedule_id;
    else
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
    end if;
    perform set_config('staff_sync.cell_write', '', true);
  end if;
  return null;
end $$;

create or replace function staff_sync_document_after_write() returns trigger
language plpgsql as $$
begin
  if current_setting('staff_sync.cell_write', true) = 'on' or NEW.restaurant_id is null then
    return null;
  end if;
  if NEW.schedule_data is not null and jsonb_typeof(NEW.schedule_data) <> 'object' then
    raise exception 'schedules.schedule_data must be a JSON object ({ staffId: { "YYYY-MM-DD": value } }), not a %',
      jsonb_typeof(NEW.schedule_data)
      using errcode = '22023', hint = 'pass the object itself as jsonb, not JSON.stringify of it';
  end if;
  perform staff_sync_document_to_cells(NEW,
    case when TG_OP = 'UPDATE' and jsonb_typeof(OLD.schedule_data) = 'object' then OLD.schedule_data else '{}'::jsonb end);
  return null;
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
  -- Arrays, appended in place: a jsonb grown cell by cell is copied whole each time (quadratic).
  v_write jsonb[] := '{}';
  v_version_staff text[] := '{}';
  v_version_dates text[] := '{}';
  v_version_values integer[] := '{}';
  v_versions jsonb;
  v_schedule uuid;
  v_schedule_period integer;
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
      v_write := array_append(v_write, v_cell);
    else
      v_version_staff := array_append(v_version_staff, v_staff_id::text);
      v_version_dates := array_append(v_version_dates, to_char(v_date, 'YYYY-MM-DD'));
      v_version_values := array_append(v_version_values, v_cur_version);
    end if;
  end loop;

  if v_outcome is null and jsonb_array_length(v_conflicts) > 0 then
    v_outcome := jsonb_build_object('type', 'CONFLICT', 'strategy', p_strategy, 'cells', v_conflicts,
      'conflictingFields', jsonb_build_array('shiftValue'));
  end if;

  if v_outcome is null then
    perform set_config('staff_sync.bulk_size', coalesce(array_length(v_write, 1), 0)::text, true),
            set_config('staff_sync.bulk_left', coalesce(array_length(v_write, 1), 0)::text, true);
    foreach v_cell in array v_write loop
      v_staff_id := (v_cell->>'staffId')::uuid;
      v_date := (v_cell->>'date')::date;
      v_period := coalesce(p_period_index, (v_cell->>'periodIndex')::integer);
      -- The schedule of the cell's period, looked up once per period, not once per cell.
      if v_period is null then
        v_schedule := null;
      elsif v_schedule_period is distinct from v_period or v_schedule is null then
        v_schedule := staff_sync_schedule_for(p_restaurant, v_period);
        v_schedule_period := v_period;
      end if;
      insert into schedule_cells as c (restaurant_id, staff_id, date, value, schedule_id, period_index)
        values (p_restaurant, v_staff_id, v_date, v_cell->>'value', v_schedule, v_period)
        on conflict (restaurant_id, staff_id, date) do update
          set value = excluded.value, schedule_id = coalesce(excluded.schedule_id, c.schedule_id),
              period_index = coalesce(excluded.period_index, c.period_index)
        returning version into v_cur_version;
      v_version_staff := array_append(v_version_staff, v_staff_id::text);
      v_version_dates := array_append(v_version_dates, to_char(v_date, 'YYYY-MM-DD'));
      v_version_values := array_append(v_version_values, v_cur_version);
      v_written := v_written + 1;
    end loop;
    perform set_config('staff_sync.bulk_size', '', true), set_config('staff_sync.bulk_left', '', true);
    select coalesce(jsonb_object_agg(staff_key, dates), '{}'::jsonb) into v_versions
      from (select staff_key, jsonb_object_agg(date_key, version) as dates
              from unnest(v_version_staff, v_version_dates, v_version_values) as t(staff_key, date_key, version)
             group by staff_key) per_member;
    v_outcome := jsonb_build_object('type', 'ACK', 'cells', v_written, 'versions', v_versions,
      'seq', case when v_written > 0 then current_setting('staff_sync.last_seq')::bigint
                  else coalesce((select seq from staff_sync_counters where restaurant_id = p_restaurant), 0) end);
  end if;

  update staff_sync_mutations set outcome = v_outcome
    where restaurant_id = p_restaurant and client_id = p_client and sequence_number = p_seqnum;
  return v_outcome;
end $$;

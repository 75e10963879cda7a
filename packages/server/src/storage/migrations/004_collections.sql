-- Collections: the change log, the restaurant's seq and deduplication serve every collection the
-- server keeps in step (the roster, the schedule's cells, ...), so one sinceSeq resumes them all.
-- Each change-log row says whose change it is (collection, and item_key within a member), and who
-- made it through the server (the signed-in user), for people reading the log and for suggested
-- conflict resolutions (docs/database.md).

alter table staff_sync_changes add column if not exists collection text not null default 'staff';
alter table staff_sync_changes add column if not exists item_key text not null default '';
alter table staff_sync_changes add column if not exists user_id text;
alter table staff_sync_changes add column if not exists user_name text;
create index if not exists staff_sync_changes_item_idx
  on staff_sync_changes (restaurant_id, collection, staff_id, item_key, version);

-- The roster's change-log trigger, now recording the collection and the user.
create or replace function staff_sync_after_write() returns trigger
language plpgsql as $$
declare
  v_rid text;
  v_sid uuid;
  v_row jsonb;
  v_op text;
  v_changed text[];
  v_version integer;
  v_seq bigint;
  v_client text := coalesce(nullif(current_setting('staff_sync.client_id', true), ''), 'database');
  v_seqnum bigint := coalesce(nullif(current_setting('staff_sync.sequence_number', true), '')::bigint, 0);
  v_user_id text := nullif(current_setting('staff_sync.user_id', true), '');
  v_user_name text := nullif(current_setting('staff_sync.user_name', true), '');
  v_created timestamptz := now();
  v_payload text;
begin
  if TG_OP = 'DELETE' then
    if not OLD.is_active then
      return null; -- removing a row that was already soft-deleted changes nothing anyone sees
    end if;
    v_rid := OLD.restaurant_id::text;
    v_sid := OLD.id;
    v_version := OLD.version + 1;
    v_row := to_jsonb(OLD) || jsonb_build_object('is_active', false, 'version', v_version, 'updated_at', now());
    v_op := 'STAFF_DELETE';
    v_changed := array['isActive'];
  else
    if TG_OP = 'UPDATE' and NEW.version = OLD.version then
      return null; -- nothing changed
    end if;
    v_rid := NEW.restaurant_id::text;
    v_sid := NEW.id;
    v_version := NEW.version;
    v_row := to_jsonb(NEW);
    if TG_OP = 'INSERT' then
      v_op := 'STAFF_CREATE';
      v_changed := array['name', 'position', 'department', 'status', 'color', 'order',
                         'startPeriod', 'endPeriod', 'isActive'];
    else
      v_op := case when OLD.is_active and not NEW.is_active then 'STAFF_DELETE' else 'STAFF_UPDATE' end;
      v_changed := array_remove(array[
        case when NEW.name is distinct from OLD.name then 'name' end,
        case when NEW.position is distinct from OLD.position then 'position' end,
        case when NEW.department is distinct from OLD.department then 'department' end,
        case when NEW.status is distinct from OLD.status then 'status' end,
        case when NEW.color is distinct from OLD.color then 'color' end,
        case when NEW.staff_order is distinct from OLD.staff_order then 'order' end,
        case when NEW.start_period is distinct from OLD.start_period then 'startPeriod' end,
        case when NEW.end_period is distinct from OLD.end_period then 'endPeriod' end,
        case when NEW.is_active is distinct from OLD.is_active then 'isActive' end
      ], null);
    end if;
  end if;

  insert into staff_sync_counters as c (restaurant_id, seq) values (v_rid, 1)
    on conflict (restaurant_id) do update set seq = c.seq + 1
    returning c.seq into v_seq;

  insert into staff_sync_changes
    (restaurant_id, seq, collection, staff_id, op, client_id, sequence_number, user_id, user_name, changed, row, version, created_at)
    values (v_rid, v_seq, 'staff', v_sid, v_op, v_client, v_seqnum, v_user_id, v_user_name, v_changed, v_row, v_version, v_created);

  perform set_config('staff_sync.last_seq', v_seq::text, true);

  v_payload := json_build_object(
    'restaurant_id', v_rid, 'seq', v_seq, 'collection', 'staff', 'staff_id', v_sid, 'item_key', '',
    'op', v_op, 'client_id', v_client, 'sequence_number', v_seqnum, 'user_id', v_user_id,
    'user_name', v_user_name, 'changed', v_changed, 'row', v_row, 'version', v_version,
    'created_at', v_created)::text;
  if octet_length(v_payload) > 7900 then
    v_payload := json_build_object('restaurant_id', v_rid, 'seq', v_seq, 'truncated', true)::text;
  end if;
  perform pg_notify('staff_sync_changes', v_payload);
  return null;
end $$;


-- A mutation made by a signed-in user: who it was is recorded with its change (transaction-local
-- settings the change-log trigger reads), then the collection's apply function runs as before.
create or replace function staff_sync_apply_as(
  p_user_id text, p_user_name text,
  p_restaurant text, p_client text, p_seqnum bigint, p_fingerprint text, p_kind text,
  p_staff_id uuid, p_changes jsonb, p_version integer, p_strategy text
) returns jsonb
language plpgsql as $$
begin
  perform set_config('staff_sync.user_id', coalesce(p_user_id, ''), true),
          set_config('staff_sync.user_name', coalesce(p_user_name, ''), true);
  return staff_sync_apply(p_restaurant, p_client, p_seqnum, p_fingerprint, p_kind, p_staff_id, p_changes, p_version, p_strategy);
end $$;

-- staff-sync schema. Keeps the column names of the app's existing Supabase `staff` table so that
-- an existing database can adopt it: every statement is idempotent on a database that already has
-- the table (it adds `version` and the sync tables, triggers and constraints).

create table if not exists staff (
  id uuid primary key default gen_random_uuid(),
  restaurant_id text not null,
  name text not null,
  position text not null,
  department text not null default '調理',
  type text not null default 'regular',
  status text not null default '社員',
  color text,
  staff_order integer not null default 0,
  start_period jsonb,
  end_period jsonb,
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

alter table staff add column if not exists version integer not null default 1;
create index if not exists staff_restaurant_idx on staff (restaurant_id, is_active);

-- New writes must follow the staff rules whoever makes them; rows that predate adoption are not
-- rechecked (NOT VALID).
do $$
begin
  if not exists (select 1 from pg_constraint where conname = 'staff_sync_department_check') then
    alter table staff add constraint staff_sync_department_check
      check (department in ('調理', 'ホール', '管理')) not valid;
  end if;
  if not exists (select 1 from pg_constraint where conname = 'staff_sync_status_check') then
    alter table staff add constraint staff_sync_status_check
      check (status in ('社員', '派遣', 'パート')) not valid;
  end if;
  if not exists (select 1 from pg_constraint where conname = 'staff_sync_name_check') then
    alter table staff add constraint staff_sync_name_check
      check (length(btrim(name)) between 1 and 100 and length(btrim(position)) between 1 and 50) not valid;
  end if;
end $$;

-- One counter row per restaurant. Incrementing it in the writing transaction takes a row lock
-- held until commit, so seq order is commit order and no number is skipped (a sequence would
-- skip numbers on rollback and could commit out of order).
create table if not exists staff_sync_counters (
  restaurant_id text primary key,
  seq bigint not null
);

-- The change log: one row per committed change to a staff row, from any writer.
create table if not exists staff_sync_changes (
  restaurant_id text not null,
  seq bigint not null,
  staff_id uuid not null,
  op text not null,
  client_id text not null,
  sequence_number bigint not null default 0,
  changed text[] not null,
  row jsonb not null,
  version integer not null,
  created_at timestamptz not null default now(),
  primary key (restaurant_id, seq)
);
create index if not exists staff_sync_changes_member_idx on staff_sync_changes (restaurant_id, staff_id, version);
create index if not exists staff_sync_changes_created_idx on staff_sync_changes (created_at);

-- Outcomes of mutations by (client, sequence number), so that a retried mutation is applied at
-- most once and answered with its first outcome.
create table if not exists staff_sync_mutations (
  restaurant_id text not null,
  client_id text not null,
  sequence_number bigint not null,
  fingerprint text not null,
  outcome jsonb,
  created_at timestamptz not null default now(),
  primary key (restaurant_id, client_id, sequence_number)
);
create index if not exists staff_sync_mutations_created_idx on staff_sync_mutations (created_at);

-- Optional explicit schedule periods per restaurant; a restaurant without rows gets the default
-- periods (21st to 20th of the next month).
create table if not exists schedule_periods (
  restaurant_id text not null,
  start_date date not null,
  end_date date not null,
  label text not null,
  primary key (restaurant_id, start_date),
  check (end_date >= start_date)
);

-- BEFORE: every real change gets version + 1 and a fresh updated_at, whatever the writer set;
-- `type` follows `status`. A write that changes nothing keeps version and updated_at.
create or replace function staff_sync_before_write() returns trigger
language plpgsql as $$
begin
  NEW.type := case when NEW.status = '社員' then 'regular' else 'part-time' end;
  if TG_OP = 'INSERT' then
    NEW.version := 1;
    NEW.created_at := coalesce(NEW.created_at, now());
    NEW.updated_at := NEW.created_at;
    return NEW;
  end if;
  if NEW.id <> OLD.id or NEW.restaurant_id <> OLD.restaurant_id then
    raise exception 'staff-sync: id and restaurant_id of a staff member cannot change'
      using errcode = 'check_violation';
  end if;
  if (NEW.name, NEW.position, NEW.department, NEW.status, NEW.color, NEW.staff_order,
      NEW.start_period, NEW.end_period, NEW.is_active)
     is not distinct from
     (OLD.name, OLD.position, OLD.department, OLD.status, OLD.color, OLD.staff_order,
      OLD.start_period, OLD.end_period, OLD.is_active) then
    NEW.version := OLD.version;
    NEW.updated_at := OLD.updated_at;
    NEW.created_at := OLD.created_at;
  else
    NEW.version := OLD.version + 1;
    NEW.updated_at := greatest(now(), OLD.updated_at);
    NEW.created_at := OLD.created_at;
  end if;
  return NEW;
end $$;

-- AFTER: append to the change log with the restaurant's next seq and notify listeners. The
-- writer's identity comes from transaction-local settings the sync server sets; any other writer
-- is "database". The notification carries the whole change when it fits in NOTIFY's 8000-byte
-- payload, else only its address, and the listener reads the row.
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
    (restaurant_id, seq, staff_id, op, client_id, sequence_number, changed, row, version, created_at)
    values (v_rid, v_seq, v_sid, v_op, v_client, v_seqnum, v_changed, v_row, v_version, v_created);

  perform set_config('staff_sync.last_seq', v_seq::text, true);

  v_payload := json_build_object(
    'restaurant_id', v_rid, 'seq', v_seq, 'staff_id', v_sid, 'op', v_op, 'client_id', v_client,
    'sequence_number', v_seqnum, 'changed', v_changed, 'row', v_row, 'version', v_version,
    'created_at', v_created)::text;
  if octet_length(v_payload) > 7900 then
    v_payload := json_build_object('restaurant_id', v_rid, 'seq', v_seq, 'truncated', true)::text;
  end if;
  perform pg_notify('staff_sync_changes', v_payload);
  return null;
end $$;

drop trigger if exists staff_sync_before_write on staff;
create trigger staff_sync_before_write before insert or update on staff
  for each row execute function staff_sync_before_write();

drop trigger if exists staff_sync_after_write on staff;
create trigger staff_sync_after_write after insert or update or delete on staff
  for each row execute function staff_sync_after_write();

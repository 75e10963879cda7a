-- Group commit in one statement (docs/architecture.md, "Group commit"): a group of staff
-- mutations, each the arguments of one staff_sync_apply_as call, applied in order inside the one
-- transaction of the group; the outcomes come back as one JSON array, in the same order. A call
-- that raises (the database refusing its data) fails the statement, and the server then runs the
-- group's calls one at a time, as it does for any failed group.
create or replace function staff_sync_apply_batch(p_calls jsonb) returns jsonb
language plpgsql as $$
declare
  c jsonb;
  results jsonb := '[]'::jsonb;
begin
  for c in select value from jsonb_array_elements(p_calls) with ordinality as t(value, n) order by n loop
    results := results || jsonb_build_array(staff_sync_apply_as(
      c->>0, c->>1, c->>2, c->>3, (c->>4)::bigint, c->>5, c->>6, (c->>7)::uuid, (c->>8)::jsonb, (c->>9)::integer, c->>10));
  end loop;
  return results;
end $$;

import type { StaffSyncClient } from '@staff-sync/client';
import type { ChangeEvent } from '@staff-sync/protocol';
import { DirectStaffStore } from '@staff-sync/react';
import { clientFor, newTab, snapshotWhere, TestClient, until } from '@staff-sync/test-support/client';
import { type ServerProcess, startServerProcess } from '@staff-sync/test-support/server-process';
import { createTestDatabase, postgresAvailable } from '@staff-sync/test-support/services';
import { createClient } from '@supabase/supabase-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgrestOverSql } from './postgrest-over-sql.ts';

const RESTAURANT = '00000000-0000-0000-0000-000000000001';

/**
 * The direct Supabase mode and the sync server on one PostgreSQL `staff` table, as during a
 * staged rollout. supabase-js talks to a PostgREST stand-in (see postgrest-over-sql.ts); the
 * table, the version check and the triggers are real.
 */
describe.skipIf(!(await postgresAvailable()))('direct mode next to the sync server (PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let server: ServerProcess;
  let sql: postgres.Sql;
  let sync: StaffSyncClient;
  let observer: TestClient;
  let direct: DirectStaffStore;
  let requests: string[];

  beforeAll(async () => {
    database = await createTestDatabase('direct');
    server = await startServerProcess({ env: { DATABASE_URL: database.url } });
    sql = postgres(database.url, { max: 2, onnotice: () => {} });
    sync = clientFor(server.wsUrl, newTab());
    sync.connect();
    await snapshotWhere(sync, (s) => s.synced);
    observer = await TestClient.connect(server.wsUrl);
    await observer.sync();
    const rest = postgrestOverSql(sql);
    requests = rest.requests;
    const supabase = createClient('http://postgrest.test', 'anon-key', {
      global: { fetch: rest.fetch },
      auth: { persistSession: false, autoRefreshToken: false },
    });
    direct = new DirectStaffStore({ restaurantId: RESTAURANT, supabase, realtime: false });
  });
  afterAll(async () => {
    sync?.dispose();
    await observer?.close();
    await server?.stop();
    await sql?.end({ timeout: 1 });
    await database?.drop();
  });

  it('reads what the sync server wrote, and its writes reach sync clients with versions from the triggers', async () => {
    const created = await sync.addStaff({ name: '田中', position: 'Cook', startPeriod: { year: 2025, month: 3 } });
    await direct.start();
    expect(direct.getSnapshot()).toMatchObject({ status: 'connected', synced: true });
    expect(direct.getSnapshot().members.find((m) => m.id === created.staffId)).toMatchObject({
      name: '田中',
      version: 1,
      startPeriod: { year: 2025, month: 3 },
    });
    expect(direct.getSnapshot().periods[0]).toMatchObject({ index: 0, startDate: '2025-01-21' });

    const updated = await direct.updateStaff(created.staffId, { position: 'Head Cook' });
    expect(updated.version).toBe(2);
    expect(requests).toContain(
      `PATCH /rest/v1/staff?id=eq.${created.staffId}&restaurant_id=eq.${RESTAURANT}&version=eq.1&select=*`,
    );
    const event = await observer.waitFor(
      (m) => m.type === 'STAFF_UPDATE' && (m as ChangeEvent).payload.staffId === created.staffId,
    );
    expect(event).toMatchObject({ clientId: 'database', payload: { version: 2, changes: { position: 'Head Cook' } } });
    await snapshotWhere(sync, (s) => s.members.some((m) => m.id === created.staffId && m.position === 'Head Cook'));

    const added = await direct.addStaff({ name: 'Direct hire', position: 'Hall', status: 'パート' });
    expect(added.version).toBe(1);
    const shown = await snapshotWhere(sync, (s) => s.members.some((m) => m.id === added.staffId));
    expect(shown.members.find((m) => m.id === added.staffId)).toMatchObject({ type: 'part-time', status: 'パート' });
  });

  it('refuses a stale direct write with CONFLICT and writes nothing (no silent overwrite of a sync edit)', async () => {
    const { staffId } = await sync.addStaff({ name: 'Contested', position: 'x' });
    await direct.refetch();
    await sync.updateStaff(staffId, { name: 'Sync edit' });
    const error = await direct.updateStaff(staffId, { name: 'Stale direct edit' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONFLICT', conflictingFields: ['name'], current: { name: 'Sync edit', version: 2 } });
    expect(direct.getSnapshot().lastConflict).toBe(error);
    expect(direct.getSnapshot().members.find((m) => m.id === staffId)?.name).toBe('Sync edit');
    const [row] = await sql`select name, version from staff where id = ${staffId}`;
    expect(row).toMatchObject({ name: 'Sync edit', version: 2 });

    // And the other way round: a sync client's stale edit of a field the direct path changed.
    await until(() => sync.getSnapshot().members.some((m) => m.id === staffId && m.version === 2));
    await direct.updateStaff(staffId, { position: 'Changed directly' });
    sync.disconnect();
    // The edit started at version 2, before the direct write; whether the change event reached the
    // client before it went offline must not matter, so the start is named.
    const stale = sync.updateStaff(staffId, { position: 'Stale sync edit' }, { baseVersion: 2 });
    sync.connect();
    await expect(stale).rejects.toMatchObject({ code: 'CONFLICT', conflictingFields: ['position'] });

    await direct.deleteStaff(staffId);
    await snapshotWhere(sync, (s) => !s.members.some((m) => m.id === staffId));
  });
});

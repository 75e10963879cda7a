import { type StaffSyncClient, StaffSyncError } from '@staff-sync/client';
import { clientFor, newTab, snapshotWhere, startServerProcess } from '@staff-sync/test-support/client';
import type { ServerProcess } from '@staff-sync/test-support/server-process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

/**
 * A form's later saves never conflict with its own earlier ones, online or from the outbox after
 * a reconnect; and every refusal says which change it refused and whether a promise hears of it.
 */
describe('own changes and refusals, against the real server', () => {
  let server: ServerProcess;
  let clients: StaffSyncClient[] = [];
  const client = (tab = newTab()) => clientFor(server.wsUrl, tab, {}, clients);
  const synced = (c: StaffSyncClient) => snapshotWhere(c, (s) => s.synced && s.status === 'connected');
  const versionOf = (c: StaffSyncClient, staffId: string, version: number) =>
    snapshotWhere(c, (s) => s.members.some((m) => m.id === staffId && m.version === version));
  const refusals = (c: StaffSyncClient) => {
    const seen: StaffSyncError[] = [];
    c.on('conflict', (e) => seen.push(e));
    c.on('error', (e) => seen.push(e));
    return seen;
  };

  beforeAll(async () => {
    server = await startServerProcess();
  });
  afterEach(() => {
    for (const c of clients) c.dispose();
    clients = [];
  });
  afterAll(async () => {
    await server.stop();
  });

  it('saves twice from a form opened at version 1, around another client’s change of another field: no conflict', async () => {
    const a = client();
    const b = client();
    a.connect();
    b.connect();
    await Promise.all([synced(a), synced(b)]);
    const { staffId } = await a.addStaff({ name: 'Form', position: 'Cook' });
    await versionOf(b, staffId, 1);
    const seen = refusals(a);
    // Online: B changes the position, A saves the name twice from its form's start.
    await b.updateStaff(staffId, { position: 'Chef' });
    await versionOf(a, staffId, 2);
    await expect(a.updateStaff(staffId, { name: 'Form 1' }, { baseVersion: 1 })).resolves.toMatchObject({ version: 3 });
    await expect(a.updateStaff(staffId, { name: 'Form 2' }, { baseVersion: 1 })).resolves.toMatchObject({ version: 4 });

    // Offline: both saves wait in the outbox while B changes the position again.
    a.disconnect();
    const first = a.updateStaff(staffId, { name: 'Offline 1' }, { baseVersion: 4 });
    const second = a.updateStaff(staffId, { name: 'Offline 2' }, { baseVersion: 4 });
    await b.updateStaff(staffId, { position: 'Head chef' });
    a.connect();
    await expect(first).resolves.toMatchObject({ version: 6 });
    await expect(second).resolves.toMatchObject({ version: 7 });
    const after = await versionOf(a, staffId, 7);
    expect(after.members.find((m) => m.id === staffId)).toMatchObject({ name: 'Offline 2', position: 'Head chef' });
    expect(seen).toEqual([]);
  });

  it('a refusal with a promise says origin "promise" and names the change; the promise rejects with the same error', async () => {
    const a = client();
    const b = client();
    a.connect();
    b.connect();
    await Promise.all([synced(a), synced(b)]);
    const { staffId } = await a.addStaff({ name: 'Promised', position: 'Cook' });
    await versionOf(b, staffId, 1);
    await b.updateStaff(staffId, { position: 'Chef' });
    await versionOf(a, staffId, 2);
    const seen = refusals(a);
    const error = await a.updateStaff(staffId, { position: 'Sous' }, { baseVersion: 1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(seen).toHaveLength(1);
    expect(error).toBe(seen[0]);
    expect(seen[0]).toMatchObject({ code: 'CONFLICT', origin: 'promise' });
    expect(seen[0]?.mutation).toMatchObject({ type: 'STAFF_UPDATE', payload: { staffId, changes: { position: 'Sous' } } });
  });

  it('refusals of changes re-sent from a reloaded outbox come as events with origin "outbox" and the change', async () => {
    const other = client();
    other.connect();
    await synced(other);
    const kept = await other.addStaff({ name: 'Kept', position: 'Cook' });
    const gone = await other.addStaff({ name: 'Gone', position: 'Cook' });

    const tab = newTab();
    const first = client(tab);
    first.connect();
    await versionOf(first, gone.staffId, 1);
    first.disconnect();
    const lost = [
      first.updateStaff(kept.staffId, { position: 'Mine' }, { baseVersion: 1 }),
      first.updateStaff(gone.staffId, { position: 'Mine too' }, { baseVersion: 1 }),
    ];
    for (const p of lost) p.catch(() => {});
    first.dispose(); // reloaded: no promise waits for these any more
    await other.updateStaff(kept.staffId, { position: 'Theirs' });
    await other.deleteStaff(gone.staffId);

    const reloaded = client(tab);
    const seen = refusals(reloaded);
    reloaded.connect();
    await snapshotWhere(reloaded, (s) => s.synced && s.pendingCount === 0);
    expect(seen.map((e) => [e.code, e.origin, e.mutation?.type])).toEqual([
      ['CONFLICT', 'outbox', 'STAFF_UPDATE'],
      ['NOT_FOUND', 'outbox', 'STAFF_UPDATE'],
    ]);
    expect(seen[0]).toBeInstanceOf(StaffSyncError);
    expect(seen[0]?.current).toMatchObject({ position: 'Theirs' });
    expect(seen[0]?.mutation).toMatchObject({ payload: { staffId: kept.staffId, changes: { position: 'Mine' }, version: 1 } });
    expect(seen[1]?.mutation).toMatchObject({ payload: { staffId: gone.staffId, changes: { position: 'Mine too' } } });
  });
});

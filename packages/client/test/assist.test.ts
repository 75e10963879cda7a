import { type StaffSyncClient, StaffSyncError } from '@staff-sync/client';
import { clientFor, newTab, snapshotWhere, startServerProcess } from '@staff-sync/test-support/client';
import { metricValue } from '@staff-sync/test-support/metrics';
import type { ServerProcess } from '@staff-sync/test-support/server-process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

/**
 * Suggested resolutions reach the app (docs/protocol.md "Suggested resolutions"): a CONFLICT's
 * suggestion on the StaffSyncError, a server-resolved save's `resolved` on the promise's result,
 * and the person's choice sent back with `resolves`.
 */
describe('suggested resolutions in the client, against the real server (strategy assisted)', () => {
  let server: ServerProcess;
  let clients: StaffSyncClient[] = [];
  const client = () => clientFor(server.wsUrl, newTab(), {}, clients);
  const synced = (c: StaffSyncClient) => snapshotWhere(c, (s) => s.synced && s.status === 'connected');
  const settled = async () =>
    (await metricValue(server.url, 'staff_sync_assist_suggestions_total', { event: 'accepted' }).catch(() => 0)) +
    (await metricValue(server.url, 'staff_sync_assist_suggestions_total', { event: 'overridden' }).catch(() => 0));

  beforeAll(async () => {
    server = await startServerProcess({ env: { CONFLICT_STRATEGY: 'assisted' } });
  });
  afterEach(() => {
    for (const c of clients) c.dispose();
    clients = [];
  });
  afterAll(async () => {
    await server.stop();
  });

  it('a save the server resolved itself resolves with `resolved`', async () => {
    const a = client();
    const b = client();
    a.connect();
    b.connect();
    await Promise.all([synced(a), synced(b)]);
    const { staffId } = await a.addStaff({ name: '佐籐', position: '洗い場' });
    await snapshotWhere(b, (s) => s.members.some((m) => m.id === staffId));
    await a.updateStaff(staffId, { name: '佐藤' });
    const result = await b.updateStaff(staffId, { name: '佐籐 花子' }, { baseVersion: 1 });
    expect(result.resolved).toEqual({ basis: { name: 'merged' }, confidence: expect.any(Number) });
    await snapshotWhere(b, (s) => s.members.some((m) => m.id === staffId && m.name === '佐藤 花子'));
  });

  it('a CONFLICT carries the suggestion; the choice goes back with resolves and is recorded', async () => {
    const a = client();
    const b = client();
    a.connect();
    b.connect();
    await Promise.all([synced(a), synced(b)]);
    const { staffId } = await a.addStaff({ name: '山田', position: '洗い場' });
    await snapshotWhere(b, (s) => s.members.some((m) => m.id === staffId));
    await a.updateStaff(staffId, { position: '店長' });
    const error = await b.updateStaff(staffId, { position: 'ホール係' }, { baseVersion: 1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StaffSyncError);
    const conflict = error as StaffSyncError;
    expect(conflict.code).toBe('CONFLICT');
    expect(conflict.suggestion).toMatchObject({ basis: { position: expect.any(String) }, reason: expect.any(String) });
    expect(conflict.suggestion!.confidence).toBeLessThan(0.9);
    // Sign-in is off: nobody has a name, and the reason says "someone else".
    expect(conflict.suggestion!.reason).toContain('他の利用者');
    const before = await settled();
    const result = await b.updateStaff(
      staffId,
      { position: 'ホール係' },
      { resolves: { sequenceNumber: conflict.sequenceNumber!, choices: { position: 'mine' } } },
    );
    expect(result.resolved).toBeUndefined();
    expect(await settled()).toBe(before + 1);
  });
});

import { type AdoptionReport, type KeyValueStorage, memoryStorage, type StaffSyncClient } from '@staff-sync/client';
import { clientFor, snapshotWhere, startServerProcess, TestClient, until } from '@staff-sync/test-support/client';
import type { ServerProcess } from '@staff-sync/test-support/server-process';
import { hs256Token, TEST_JWT_SECRET } from '@staff-sync/test-support/tokens';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

/**
 * Changes a closed tab left unsent: its outbox stays in localStorage, and another tab of the same
 * browser (the same localStorage, Node's Web Locks standing in for the browser's) delivers it once
 * the closed tab's lock is free. Real server; sign-in on, so restaurants can differ.
 */
describe('changes a closed tab left unsent', () => {
  let server: ServerProcess;
  let clients: StaffSyncClient[] = [];
  const raws: TestClient[] = [];
  const R1 = '00000000-0000-0000-0000-0000000000a1';
  const R2 = '00000000-0000-0000-0000-0000000000a2';
  /**
   * A tab of the browser whose localStorage is `local`, signed in to `restaurant` as an editor.
   * `scans()` counts the times it looked through the storage for closed tabs' outboxes: a look
   * starts only after the one before it finished, so three looks prove two whole checks (a
   * sentinel instead of waiting a while and hoping the checks ran).
   */
  const tab = (local: KeyValueStorage, restaurant: string) => {
    // The app's own key, as a browser's localStorage holds: every look reads key 0, outboxes or not.
    local.setItem('app:settings', '{}');
    let scans = 0;
    const view: KeyValueStorage = {
      get length() {
        return local.length;
      },
      key: (index) => {
        if (index === 0) scans++;
        return local.key?.(index) ?? null;
      },
      getItem: (key) => local.getItem(key),
      setItem: (key, value) => local.setItem(key, value),
      removeItem: (key) => local.removeItem(key),
    };
    const c = clientFor(
      server.wsUrl,
      { session: memoryStorage(), local: view },
      { orphanCheckMs: 200, getToken: () => hs256Token({ restaurant, role: 'editor' }) },
      clients,
    );
    const reports: AdoptionReport[] = [];
    c.on('adopted', (report) => reports.push(report));
    return { c, reports, scans: () => scans };
  };
  /** At least two whole checks for closed tabs' outboxes by `t` since now. */
  const twoChecks = async (t: { scans: () => number }) => {
    const from = t.scans();
    await until(() => t.scans() >= from + 3, 15_000, 'two checks for closed tabs');
  };
  const synced = (c: StaffSyncClient) => snapshotWhere(c, (s) => s.synced && s.status === 'connected', 15_000, 'first sync');
  /** Leave changes unsent: disconnect, make them, and keep the promises from failing the test. */
  const offline = async (c: StaffSyncClient, make: () => Promise<unknown>[]) => {
    c.disconnect();
    await snapshotWhere(c, (s) => s.status === 'disconnected');
    for (const p of make()) p.catch(() => {});
  };

  beforeAll(async () => {
    server = await startServerProcess({ env: { AUTH_JWT_SECRET: TEST_JWT_SECRET } });
  });
  afterEach(() => {
    for (const c of clients) c.dispose();
    clients = [];
  });
  afterAll(async () => {
    await Promise.all(raws.map((r) => r.close()));
    await server.stop();
  });

  it('are delivered once, in order, by another tab after the tab closes, and not while it is open', async () => {
    const local = memoryStorage();
    const a = tab(local, R1);
    a.c.connect();
    await synced(a.c);
    const created = await a.c.addStaff({ name: 'Closed tab', position: 'x' });
    await offline(a.c, () => [
      a.c.updateStaff(created.staffId, { position: 'first' }),
      a.c.updateStaff(created.staffId, { name: 'Closed tab, renamed' }),
      a.c.addStaff({ name: 'Made offline', position: 'y' }),
    ]);
    expect(a.c.getSnapshot().pendingCount).toBe(3);
    const saved = `staff-sync:outbox:${a.c.clientId}`;
    expect(JSON.parse(local.getItem(saved) as string)).toMatchObject({ restaurantId: R1 });

    const b = tab(local, R1);
    b.c.connect();
    await synced(b.c);
    await twoChecks(b); // tab A is still open (its lock is held), so B leaves them
    expect(b.reports).toEqual([]);
    expect(local.getItem(saved)).not.toBeNull();

    a.c.dispose(); // the tab closes: its lock is free
    await until(() => b.reports.length === 1, 10_000, 'the closed tab’s changes to be delivered');
    expect(b.reports[0]).toMatchObject({ fromClientId: a.c.clientId, delivered: 3, refused: [], remaining: 0 });
    expect(local.getItem(saved)).toBeNull();
    const seen = await snapshotWhere(b.c, (s) => s.members.some((m) => m.name === 'Made offline'));
    // Both updates applied once each, the second on top of the first (version 1 -> 3).
    expect(seen.members.find((m) => m.id === created.staffId)).toMatchObject({
      name: 'Closed tab, renamed',
      position: 'first',
      version: 3,
    });
    expect(seen.members.filter((m) => m.name === 'Made offline')).toHaveLength(1);

    // A third tab finds nothing left to deliver.
    const c = tab(local, R1);
    c.c.connect();
    await synced(c.c);
    await twoChecks(c);
    expect(c.reports).toEqual([]);
  });

  it('reports a change that conflicts as the tab would have, and leaves other restaurants’ changes alone', async () => {
    const local = memoryStorage();
    const a = tab(local, R1);
    a.c.connect();
    await synced(a.c);
    const created = await a.c.addStaff({ name: 'Contested', position: 'x' });
    await offline(a.c, () => [a.c.updateStaff(created.staffId, { position: 'mine' })]);
    // Meanwhile someone else changes the same field.
    const other = await TestClient.connect(server.wsUrl, {
      query: `token=${await hs256Token({ restaurant: R1, role: 'editor' })}`,
    });
    raws.push(other);
    expect(
      await other.request('STAFF_UPDATE', { staffId: created.staffId, changes: { position: 'theirs' }, version: 1 }),
    ).toMatchObject({
      type: 'ACK',
    });
    a.c.dispose();

    // A tab of another restaurant in the same browser does not send restaurant R1's changes.
    const elsewhere = tab(local, R2);
    elsewhere.c.connect();
    await synced(elsewhere.c);
    await twoChecks(elsewhere);
    expect(elsewhere.reports).toEqual([]);
    expect(local.getItem(`staff-sync:outbox:${a.c.clientId}`)).not.toBeNull();

    const b = tab(local, R1);
    b.c.connect();
    await until(() => b.reports.length === 1, 10_000, 'the closed tab’s changes to be delivered');
    const [report] = b.reports as [AdoptionReport];
    expect(report).toMatchObject({ delivered: 0, remaining: 0 });
    expect(report.refused).toHaveLength(1);
    expect(report.refused[0]).toMatchObject({ code: 'CONFLICT', conflictingFields: ['position'], origin: 'closed-tab' });
    expect(report.refused[0]?.mutation).toMatchObject({ type: 'STAFF_UPDATE', payload: { changes: { position: 'mine' } } });
    expect(report.refused[0]?.current).toMatchObject({ position: 'theirs', version: 2 });
    const after = await snapshotWhere(b.c, (s) => s.lastConflict !== null && s.members.some((m) => m.id === created.staffId));
    expect(after.lastConflict?.code).toBe('CONFLICT');
    expect(after.members.find((m) => m.id === created.staffId)).toMatchObject({ position: 'theirs', version: 2 });
    expect(local.getItem(`staff-sync:outbox:${a.c.clientId}`)).toBeNull();
  });
});

import type { StaffSyncClient, StaffSyncError } from '@staff-sync/client';
import { clientFor, newTab, snapshotWhere, startServerProcess } from '@staff-sync/test-support/client';
import type { ServerProcess } from '@staff-sync/test-support/server-process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The schedule in the client, against a real server: a period's cells kept in step, a change shown
 * at once and confirmed, pending cells marked, a bulk change, a cell conflict, a member's row
 * keeping its identity while another changes, and edits made offline sent once after reconnect.
 */
describe('the schedule in the client', () => {
  let server: ServerProcess;
  const clients: StaffSyncClient[] = [];
  let period: { index: number; startDate: string };
  let a: string;
  let b: string;
  const day = (n: number) => {
    const date = new Date(`${period.startDate}T00:00:00Z`);
    date.setUTCDate(date.getUTCDate() + n);
    return date.toISOString().slice(0, 10);
  };
  const connected = async (client: StaffSyncClient) => {
    client.connect();
    await snapshotWhere(client, (s) => s.synced && s.status === 'connected');
    return client;
  };
  const cell = (client: StaffSyncClient, staffId: string, date: string) =>
    client.getSnapshot().schedule?.cells.get(staffId)?.get(date);

  beforeAll(async () => {
    server = await startServerProcess();
    const admin = await connected(clientFor(server.wsUrl, newTab(), {}, clients));
    a = (await admin.addStaff({ name: '山田', position: '調理' })).staffId;
    b = (await admin.addStaff({ name: '佐藤', position: 'ホール', status: 'パート' })).staffId;
    const snapshot = admin.getSnapshot();
    period = snapshot.periods[1] as typeof period;
  });
  afterAll(async () => {
    for (const c of clients) c.dispose();
    await server?.stop();
  });

  it('keeps a period’s cells in step: a change shows at once, pending until confirmed, and reaches the other client', async () => {
    const one = await connected(clientFor(server.wsUrl, newTab(), {}, clients));
    const two = await connected(clientFor(server.wsUrl, newTab(), {}, clients));
    one.setSchedulePeriod(period.index);
    two.setSchedulePeriod(period.index);
    await snapshotWhere(one, (s) => s.schedule?.synced === true);
    await snapshotWhere(two, (s) => s.schedule?.synced === true);
    const rowOfB = two.getSnapshot().schedule?.cells.get(b);

    const saved = one.setCell(a, day(0), '×');
    expect(cell(one, a, day(0))).toEqual({ value: '×', version: 0, pending: true });
    const result = await saved;
    expect(result).toMatchObject({ cells: 1, versions: { [a]: { [day(0)]: 1 } }, duplicate: false });
    await snapshotWhere(one, () => cell(one, a, day(0))?.pending === false);
    expect(cell(one, a, day(0))).toEqual({ value: '×', version: 1, pending: false });
    await snapshotWhere(two, () => cell(two, a, day(0))?.value === '×');
    expect(cell(two, a, day(0))).toEqual({ value: '×', version: 1, pending: false });
    // The other member's row is the same object: a screen repaints one row.
    expect(two.getSnapshot().schedule?.cells.get(b)).toBe(rowOfB);
  });

  it('sets many cells in one change, and refuses a stale cell with the cells as they are now', async () => {
    const one = await connected(clientFor(server.wsUrl, newTab(), {}, clients));
    const two = await connected(clientFor(server.wsUrl, newTab(), {}, clients));
    one.setSchedulePeriod(period.index);
    two.setSchedulePeriod(period.index);
    await snapshotWhere(two, (s) => s.schedule?.synced === true);
    await snapshotWhere(one, (s) => s.schedule?.synced === true);
    const bulk = await one.setCells(period.index, [
      { staffId: a, dateKey: day(2), value: '△' },
      { staffId: b, dateKey: day(2), value: '○' },
      { staffId: b, dateKey: day(3), value: '×' },
    ]);
    expect(bulk.cells).toBe(3);
    await snapshotWhere(two, () => cell(two, b, day(3))?.value === '×');
    // Both edit b's cell of day 3 from version 1; the second to arrive is refused.
    await one.setCell(b, day(3), '○', { baseVersion: 1 });
    const refused = await two.setCell(b, day(3), '⊘', { baseVersion: 1 }).catch((e: StaffSyncError) => e);
    expect(refused).toMatchObject({ code: 'CONFLICT' });
    expect((refused as StaffSyncError).cellConflict?.cells).toEqual([
      { staffId: b, dateKey: day(3), baseVersion: 1, current: { shiftValue: '○', version: 2 }, attempted: '⊘' },
    ]);
    await snapshotWhere(two, () => cell(two, b, day(3))?.value === '○' && cell(two, b, day(3))?.pending === false);
  });

  it('keeps cell edits made offline and sends them once after reconnecting', async () => {
    const tab = newTab();
    const one = await connected(clientFor(server.wsUrl, tab, {}, clients));
    const watcher = await connected(clientFor(server.wsUrl, newTab(), {}, clients));
    one.setSchedulePeriod(period.index);
    watcher.setSchedulePeriod(period.index);
    await snapshotWhere(one, (s) => s.schedule?.synced === true);
    one.disconnect();
    await snapshotWhere(one, (s) => s.status === 'disconnected');
    const first = one.setCell(a, day(5), 'late');
    const second = one.setCell(a, day(6), '★');
    expect([cell(one, a, day(5))?.pending, cell(one, a, day(6))?.pending]).toEqual([true, true]);
    expect(one.getSnapshot().pendingCount).toBe(2);
    one.connect();
    const [r1, r2] = await Promise.all([first, second]);
    expect([r1.duplicate, r2.duplicate]).toEqual([false, false]);
    await snapshotWhere(watcher, () => cell(watcher, a, day(6))?.value === '★');
    expect(cell(watcher, a, day(5))).toEqual({ value: 'late', version: 1, pending: false });
    expect(cell(watcher, a, day(6))).toEqual({ value: '★', version: 1, pending: false });
  });
});

import { randomUUID } from 'node:crypto';
import { type StaffSyncClient, StaffSyncError } from '@staff-sync/client';
import type { ChangeEvent } from '@staff-sync/protocol';
import {
  clientFor,
  editedWebSocket,
  newTab,
  snapshotWhere,
  startServerProcess,
  TestClient,
  until,
} from '@staff-sync/test-support/client';
import type { ServerProcess } from '@staff-sync/test-support/server-process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

/** The client core against a real server process (PGlite in a temporary folder). */
describe('client core against the real server', () => {
  let server: ServerProcess;
  let clients: StaffSyncClient[] = [];
  const raws: TestClient[] = [];
  const client = (...args: Parameters<typeof clientFor> extends [string, ...infer R] ? R : never) =>
    clientFor(server.wsUrl, args[0], args[1], clients);
  const synced = (c: StaffSyncClient) => snapshotWhere(c, (s) => s.synced && s.status === 'connected', 15_000, 'first sync');
  const raw = async () => {
    const r = await TestClient.connect(server.wsUrl);
    raws.push(r);
    return r;
  };

  beforeAll(async () => {
    server = await startServerProcess();
  });
  afterEach(() => {
    for (const c of clients) c.dispose();
    clients = [];
  });
  afterAll(async () => {
    await Promise.all(raws.map((r) => r.close()));
    await server.stop();
  });

  it('shows a change at once, settles it on ACK, and another client sees it', async () => {
    const a = client();
    const b = client();
    a.connect();
    b.connect();
    await Promise.all([synced(a), synced(b)]);
    const created = a.addStaff({ name: '佐藤 花子', position: 'ホール長', department: 'ホール' });
    // Optimistic: in the snapshot synchronously, before any network round trip can have happened
    // (bench/paint-latency.ts measures the time to paint; a timed assertion here would be noise).
    const shown = a.getSnapshot().members.find((m) => m.name === '佐藤 花子');
    expect(shown).toMatchObject({ position: 'ホール長', version: 0 });
    expect(a.getSnapshot().pendingCount).toBe(1);
    const result = await created;
    expect(result).toMatchObject({ staffId: shown?.id, version: 1, duplicate: false });
    const seen = await snapshotWhere(b, (s) => s.members.some((m) => m.id === result.staffId));
    expect(seen.members.find((m) => m.id === result.staffId)).toMatchObject({ name: '佐藤 花子', version: 1 });
    await snapshotWhere(a, (s) => s.pendingCount === 0 && s.seq >= result.seq);
    expect(a.getSnapshot().members.filter((m) => m.id === result.staffId)).toHaveLength(1);
  });

  it('rolls back an optimistic edit on CONFLICT and rejects with the current member and the fields', async () => {
    const a = client();
    const b = client();
    a.connect();
    b.connect();
    await Promise.all([synced(a), synced(b)]);
    const { staffId } = await a.addStaff({ name: 'Original', position: 'Cook' });
    await snapshotWhere(b, (s) => s.members.some((m) => m.id === staffId && m.version === 1));
    // B edits from version 1 while it cannot hear about A's edit.
    b.disconnect();
    await a.updateStaff(staffId, { name: 'From A' });
    const attempt = b.updateStaff(staffId, { name: 'From B' });
    expect(b.getSnapshot().members.find((m) => m.id === staffId)?.name).toBe('From B');
    b.connect();
    const error = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StaffSyncError);
    const conflict = error as StaffSyncError;
    expect(conflict.code).toBe('CONFLICT');
    expect(conflict.conflictingFields).toEqual(['name']);
    expect(conflict.current).toMatchObject({ id: staffId, name: 'From A', version: 2 });
    const after = await snapshotWhere(b, (s) => s.pendingCount === 0);
    expect(after.members.find((m) => m.id === staffId)?.name).toBe('From A');
    expect(after.lastConflict).toBe(conflict);
  });

  it('an edit that began before someone else’s change sends its start version: merge applies other fields, the same field conflicts', async () => {
    const a = client();
    const b = client();
    a.connect();
    b.connect();
    await Promise.all([synced(a), synced(b)]);
    const { staffId } = await a.addStaff({ name: 'Form', position: 'Cook' });
    await snapshotWhere(b, (s) => s.members.some((m) => m.id === staffId && m.version === 1));
    // B's form opens at version 1; A changes the position meanwhile, and B hears of it.
    await a.updateStaff(staffId, { position: 'Chef' });
    await snapshotWhere(b, (s) => s.members.some((m) => m.id === staffId && m.version === 2));
    // Another field: merge applies it on top, A's position stays.
    const renamed = await b.updateStaff(staffId, { name: 'Form renamed' }, { baseVersion: 1 });
    expect(renamed.version).toBe(3);
    // The same field, from the form's start (version 1): CONFLICT, where without the start
    // version the client would have sent version 3 and overwritten A's position unseen.
    const error = await b.updateStaff(staffId, { position: 'Cook again' }, { baseVersion: 1 }).then(
      () => undefined,
      (e: unknown) => e as StaffSyncError,
    );
    expect(error?.code).toBe('CONFLICT');
    expect(error?.conflictingFields).toEqual(['position']);
    expect(error?.current).toMatchObject({ name: 'Form renamed', position: 'Chef', version: 3 });
    // B's own change (version 3) counts as seen: an edit from version 2 on the name is no conflict.
    await expect(b.updateStaff(staffId, { name: 'Form again' }, { baseVersion: 2 })).resolves.toMatchObject({ version: 4 });
  });

  it('rejects an ERROR with its code and leaves the roster as it was', async () => {
    const a = client();
    a.connect();
    await synced(a);
    const before = a.getSnapshot().members;
    await expect(a.updateStaff(randomUUID(), { name: 'Nobody' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(a.addStaff({ name: '', position: 'x' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: { 'payload.name': 'name is required' },
    });
    // What the database cannot store is refused before it is sent, never retried.
    await expect(a.addStaff({ name: 'a\u0000b', position: 'x' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(a.addStaff({ name: 'a\ud800', position: 'x' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(a.getSnapshot().members).toEqual(before);
    expect(a.getSnapshot().pendingCount).toBe(0);
  });

  it('refuses a mutation with OUTBOX_FULL past maxPending, keeping what it holds', async () => {
    const a = client(newTab(), { maxPending: 2 });
    const pending = [a.addStaff({ name: 'One', position: 'x' }), a.addStaff({ name: 'Two', position: 'x' })];
    await expect(a.addStaff({ name: 'Three', position: 'x' })).rejects.toMatchObject({ code: 'OUTBOX_FULL' });
    expect(a.getSnapshot().pendingCount).toBe(2);
    a.connect();
    await expect(Promise.all(pending)).resolves.toHaveLength(2);
  });

  it('delivers a reloaded tab’s persisted outbox, keeping sequenceNumbers growing', async () => {
    const tab = newTab();
    const first = client(tab);
    first.connect();
    await synced(first);
    first.disconnect();
    const lost = [
      first.addStaff({ name: 'Reload 1', position: 'x' }),
      first.addStaff({ name: 'Reload 2', position: 'x' }),
      first.addStaff({ name: 'Reload 3', position: 'x' }),
    ];
    for (const p of lost) p.catch(() => {});
    first.dispose(); // the page goes away with three changes unsent
    await expect(lost[0]).rejects.toMatchObject({ code: 'CLOSED' });

    const second = client(tab);
    expect(second.clientId).toBe(first.clientId);
    // The saved changes show before the connection is even up.
    expect(second.getSnapshot().pendingCount).toBe(3);
    expect(second.getSnapshot().members.map((m) => m.name)).toEqual(expect.arrayContaining(['Reload 1', 'Reload 2', 'Reload 3']));
    second.connect();
    await snapshotWhere(second, (s) => s.pendingCount === 0 && s.synced);
    const next = await second.addStaff({ name: 'After reload', position: 'x' });

    const observer = await raw();
    const response = await observer.sync();
    if (!response.payload.full) throw new Error('expected a full snapshot');
    const names = response.payload.staffMembers.map((m) => m.name);
    for (const name of ['Reload 1', 'Reload 2', 'Reload 3', 'After reload'])
      expect(names.filter((n) => n === name)).toHaveLength(1);
    const delta = await observer.sync({ sinceSeq: next.seq - 4 });
    if (delta.payload.full) throw new Error('expected a delta');
    const numbers = delta.payload.changes.filter((c) => c.clientId === second.clientId).map((c) => c.sequenceNumber);
    expect(numbers).toHaveLength(4);
    expect([...numbers].sort((x, y) => x - y)).toEqual(numbers);
    expect(new Set(numbers).size).toBe(4);
  });

  it('a re-sent mutation that the server already applied is acknowledged as a duplicate, not applied twice', async () => {
    const tab = newTab();
    const probe = client(tab);
    const clientId = probe.clientId;
    probe.dispose();
    // The server applied sequenceNumber 1 of this client, but the ACK never reached the page.
    const writer = await raw();
    const staffId = randomUUID();
    const message = {
      type: 'STAFF_CREATE' as const,
      payload: { id: staffId, name: 'Once', position: 'x' },
      timestamp: new Date().toISOString(),
      clientId,
      sequenceNumber: 1,
    };
    writer.send(message.type, message.payload, 1, clientId);
    await writer.reply(1);
    tab.session.setItem('staff-sync:client', JSON.stringify({ clientId, last: 1 }));
    tab.local.setItem(
      `staff-sync:outbox:${clientId}`,
      JSON.stringify({ version: 1, entries: [{ message, sent: true, baseVersion: undefined, after: undefined }] }),
    );
    const reloaded = client(tab);
    expect(reloaded.getSnapshot().pendingCount).toBe(1);
    reloaded.connect();
    await snapshotWhere(reloaded, (s) => s.pendingCount === 0 && s.members.some((m) => m.id === staffId));
    const response = await writer.sync();
    if (!response.payload.full) throw new Error('expected a full snapshot');
    expect(response.payload.staffMembers.filter((m) => m.name === 'Once')).toHaveLength(1);
  });

  it('a seq gap forces a resume with SYNC_REQUEST { sinceSeq }', async () => {
    let dropped: { seq?: number } | undefined;
    const lossy = editedWebSocket((messages) =>
      messages.filter((m) => {
        // staff-sync.v2: an update travels as a STAFF_PATCHES row (seq on the message: its last).
        if (dropped || (m.type !== 'STAFF_UPDATE' && m.type !== 'STAFF_PATCHES')) return true;
        dropped = m; // lose exactly one change event on the way
        return false;
      }),
    );
    const a = client(newTab(), { transports: ['websocket'], transportFactories: { websocket: lossy } });
    const resyncs: { sinceSeq: number; seenSeq: number }[] = [];
    a.on('resync', (event) => resyncs.push(event));
    a.connect();
    await synced(a);
    const writer = await raw();
    const created = await writer.request('STAFF_CREATE', { name: 'Gap', position: 'x' });
    if (created.type !== 'ACK') throw new Error(JSON.stringify(created));
    await snapshotWhere(a, (s) => s.seq === created.payload.seq);
    await writer.request('STAFF_UPDATE', { staffId: created.payload.staffId, changes: { position: 'lost on the way' } });
    // The second update goes only once the first has been dropped: sent earlier, the two could
    // share one fan-out pass (one STAFF_PATCHES message) and be lost together, leaving no gap to see.
    await until(() => dropped !== undefined, 10_000, 'the first update to be dropped');
    const last = await writer.request('STAFF_UPDATE', { staffId: created.payload.staffId, changes: { name: 'After the gap' } });
    if (last.type !== 'ACK') throw new Error(JSON.stringify(last));
    const after = await snapshotWhere(a, (s) => s.seq === last.payload.seq);
    expect(dropped?.seq).toBe(created.payload.seq + 1);
    expect(resyncs).toEqual([{ reason: 'gap', sinceSeq: created.payload.seq, seenSeq: last.payload.seq }]);
    expect(after.members.find((m) => m.id === created.payload.staffId)).toMatchObject({
      name: 'After the gap',
      position: 'lost on the way',
      version: 3,
    });
  });

  it('drops a server message that fails validation and never applies it', async () => {
    let injected = false;
    const broken = editedWebSocket((messages) => {
      if (injected || !messages.some((m) => m.type === 'STAFF_CREATE')) return messages;
      injected = true;
      // The same change event with its member damaged: no `staff.version`.
      return messages.map((m) =>
        m.type === 'STAFF_CREATE' ? { ...m, payload: { ...(m as ChangeEvent).payload, staff: { name: 'broken' } } } : m,
      );
    });
    const a = client(newTab(), { transports: ['websocket'], transportFactories: { websocket: broken } });
    const invalid: unknown[] = [];
    a.on('invalidMessage', (event) => invalid.push(event));
    a.connect();
    await synced(a);
    const writer = await raw();
    const created = await writer.request('STAFF_CREATE', { name: 'Validated', position: 'x' });
    if (created.type !== 'ACK') throw new Error(JSON.stringify(created));
    await until(() => invalid.length === 1, 10_000, 'the invalid message');
    expect(a.getSnapshot().members.some((m) => m.name === 'broken')).toBe(false);
    // The next change shows the gap the dropped event left, and the resume brings the member.
    await writer.request('STAFF_UPDATE', { staffId: created.payload.staffId, changes: { position: 'y' } });
    const after = await snapshotWhere(a, (s) => s.members.some((m) => m.id === created.payload.staffId));
    expect(after.members.find((m) => m.id === created.payload.staffId)).toMatchObject({ name: 'Validated', position: 'y' });
  });
});

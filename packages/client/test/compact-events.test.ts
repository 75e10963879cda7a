import type { StaffSyncClient } from '@staff-sync/client';
import type { ChangeEvent, StaffMember } from '@staff-sync/protocol';
import { clientFor, snapshotWhere, startServerProcess, TestClient } from '@staff-sync/test-support/client';
import { metricValue } from '@staff-sync/test-support/metrics';
import type { ServerProcess } from '@staff-sync/test-support/server-process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Compact change events (docs/protocol.md, "Compact change events"): the project's client offers
 * `staff-sync.v2`, gets STAFF_UPDATE and STAFF_DELETE without the member, and applies them to its
 * copy; its roster stays equal, field for field, to the server's. Beside it a `staff-sync.v1` and
 * a plain client get the same changes whole.
 */
type Frame = { seq?: number; type: string; payload: { events?: unknown[] } };

describe('compact change events against the real server', () => {
  let server: ServerProcess;
  let client: StaffSyncClient;
  const sockets: TestClient[] = [];
  const connect = async (protocols: string[]) => {
    const socket = await TestClient.connect(server.wsUrl, { protocols });
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    server = await startServerProcess();
  });
  afterAll(async () => {
    client?.dispose();
    await Promise.all(sockets.map((s) => s.close()));
    await server.stop();
  });

  it('keeps the client equal to the server through updates of every field and a delete', async () => {
    const v2 = await connect(['staff-sync.v2', 'staff-sync.v1']);
    const v1 = await connect(['staff-sync.v1']);
    const writer = await connect(['staff-sync.v1']);
    expect([v2.ws.protocol, v1.ws.protocol]).toEqual(['staff-sync.v2', 'staff-sync.v1']);
    const v2Bytes = new Map<number, number>();
    const v1Bytes = new Map<number, number>();
    const sizes = (socket: TestClient, into: Map<number, number>) =>
      socket.ws.on('message', (data: Buffer) => {
        const parsed = JSON.parse(data.toString()) as Frame | Frame[];
        // Frames of one change only (a fan-out pass may batch two): their bytes are that change's.
        if (Array.isArray(parsed) || parsed.seq === undefined) return;
        if (parsed.type === 'STAFF_UPDATE' || (parsed.type === 'STAFF_PATCHES' && parsed.payload.events?.length === 1))
          into.set(parsed.seq, data.length);
      });
    sizes(v2, v2Bytes);
    sizes(v1, v1Bytes);
    await Promise.all([v2.sync(), v1.sync(), writer.sync()]);

    client = clientFor(server.wsUrl);
    const opened = await metricValue(server.url, 'staff_sync_connections_opened_total', { dialect: 'v2' });
    client.connect();
    await snapshotWhere(client, (s) => s.synced && s.status === 'connected');
    // The project's own client is the second staff-sync.v2 connection.
    expect(await metricValue(server.url, 'staff_sync_connections_opened_total', { dialect: 'v2' })).toBe(opened + 1);

    const create = async (name: string) => {
      const reply = await writer.request('STAFF_CREATE', { name, position: 'ホール' });
      expect(reply.type).toBe('ACK');
      return (reply.payload as { staffId: string }).staffId;
    };
    const update = async (staffId: string, changes: Record<string, unknown>, version: number) =>
      expect((await writer.request('STAFF_UPDATE', { staffId, changes, version })).type).toBe('ACK');
    const a = await create('青木 健');
    const b = await create('別府 花');
    await update(a, { name: '青木 健一' }, 1);
    await update(a, { position: '料理長', department: 'ホール' }, 2);
    await update(a, { status: 'パート' }, 3); // type follows status
    await update(a, { order: 9, color: '#ff0000' }, 4);
    await update(a, { startPeriod: { year: 2026, month: 4 }, endPeriod: { year: 2027, month: 3, day: 20 } }, 5);
    expect((await writer.request('STAFF_DELETE', { staffId: b, version: 1 })).type).toBe('ACK');
    // A sentinel after everything: events arrive in seq order, so once it is there, all are.
    const sentinel = await create('最後');
    const done = await snapshotWhere(client, (s) => s.members.some((m) => m.id === sentinel));
    const server_ = (await v1.sync()).payload;
    const truth = server_.full ? server_.staffMembers : [];
    const byId = (members: readonly StaffMember[]) => [...members].sort((x, y) => x.id.localeCompare(y.id));
    expect(byId(done.members)).toEqual(byId(truth));
    expect(done.members.find((m) => m.id === a)).toMatchObject({ status: 'パート', type: 'part-time', version: 6 });
    expect(done.members.some((m) => m.id === b)).toBe(false);

    // On the wire: v2 got the updates and the delete without the member, the create with it.
    await v2.waitFor((m) => m.type === 'STAFF_CREATE' && 'staffId' in m.payload && m.payload.staffId === sentinel);
    const events = v2.changes();
    const compact = events.filter((e: ChangeEvent) => e.type !== 'STAFF_CREATE');
    expect(compact).toHaveLength(6);
    for (const e of compact) expect(e.payload).not.toHaveProperty('staff');
    for (const e of events.filter((e: ChangeEvent) => e.type === 'STAFF_CREATE')) expect(e.payload.staff).toBeDefined();
    // On the wire a v2 update is a STAFF_PATCHES row: at most 200 bytes for one changed field, about
    // a third of the whole-member event.
    const paired = [...v2Bytes].filter(([seq]) => v1Bytes.has(seq));
    expect(paired.length).toBeGreaterThan(0);
    for (const [seq, bytes] of paired) expect(bytes / (v1Bytes.get(seq) as number)).toBeLessThan(0.45);
    const oneField = events.find((e: ChangeEvent) => e.type === 'STAFF_UPDATE' && 'name' in e.payload.changes) as ChangeEvent;
    expect(v2Bytes.get(oneField.seq)).toBeLessThanOrEqual(200);
  });
  it('gives a v2 client a whole bulk change as one message, read as the same events v1 gets', async () => {
    const v2 = await connect(['staff-sync.v2']);
    const v1 = await connect(['staff-sync.v1']);
    const writer = await connect(['staff-sync.v1']);
    const raw: string[] = [];
    v2.ws.on('message', (data: Buffer) => raw.push(data.toString()));
    const v1Raw: string[] = [];
    v1.ws.on('message', (data: Buffer) => v1Raw.push(data.toString()));
    const created = async (name: string, status: string) => {
      const reply = await writer.request('STAFF_CREATE', { name, position: 'ホール', status });
      return (reply.payload as { staffId: string }).staffId;
    };
    const a = await created('一括 A', '社員');
    const b = await created('一括 B', 'パート');
    const periods = (await writer.sync()).payload;
    const period = (periods.full ? periods.periods[1] : undefined) as { index: number; startDate: string };
    const day = (n: number) => new Date(Date.parse(`${period.startDate}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
    for (const socket of [v2, v1]) {
      socket.send('SHIFT_SYNC_REQUEST', { periodIndex: period.index });
      await socket.waitFor((m) => m.type === 'SHIFT_SYNC_RESPONSE');
    }
    client.setSchedulePeriod(period.index);
    await snapshotWhere(client, (s) => s.schedule?.synced === true);

    const scheduleData = {
      [a]: Object.fromEntries([0, 1, 2, 3].map((n) => [day(n), n % 2 ? '△' : '×'])),
      [b]: Object.fromEntries([0, 1, 2].map((n) => [day(n), '○'])),
    };
    const reply = await writer.request('SHIFT_BULK_UPDATE', { periodIndex: period.index, scheduleData });
    expect(reply.type).toBe('ACK');
    const lastSeq = (reply.payload as { seq: number }).seq;

    // v2: one SHIFT_BULK_BROADCAST on the wire, read as the seven SHIFT_BROADCASTs v1 got.
    const cellEvents = (socket: TestClient) =>
      socket.messages.filter((m) => m.type === 'SHIFT_BROADCAST' && m.seq > lastSeq - 7).map((m) => [m.seq, m.payload]);
    await v2.waitFor((m) => m.type === 'SHIFT_BROADCAST' && m.seq === lastSeq);
    await v1.waitFor((m) => m.type === 'SHIFT_BROADCAST' && m.seq === lastSeq);
    expect(cellEvents(v2)).toHaveLength(7);
    expect(cellEvents(v2)).toEqual(cellEvents(v1));
    const bulkFrames = raw.filter((f) => f.includes('"SHIFT_BULK_BROADCAST"'));
    expect(bulkFrames).toHaveLength(1);
    expect(raw.filter((f) => f.includes('"SHIFT_BROADCAST"'))).toEqual([]);
    const v1Frame = v1Raw.find((f) => f.includes(`"seq":${lastSeq}`)) ?? '';
    expect((bulkFrames[0] as string).length).toBeLessThan(v1Frame.length / 3);

    // The project's client (v2) holds every cell at its version.
    const done = await snapshotWhere(client, (s) => s.schedule?.cells.get(b)?.get(day(2))?.value === '○');
    for (const [staffId, dates] of Object.entries(scheduleData))
      for (const [date, value] of Object.entries(dates))
        expect(done.schedule?.cells.get(staffId)?.get(date)).toMatchObject({ value, version: 1, pending: false });
  });
});

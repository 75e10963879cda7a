import type {
  AnyChangeEvent,
  ServerMessage,
  ShiftAckPayload,
  ShiftChangeEvent,
  ShiftConflictPayload,
  ShiftSyncResponsePayload,
} from '@staff-sync/protocol';
import { availableDrivers, type DriverServer, serverOn } from '@staff-sync/test-support/drivers';
import { metricValue } from '@staff-sync/test-support/metrics';
import { TestClient } from '@staff-sync/test-support/ws-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlainClient } from './support/plain-client.ts';

/**
 * The schedule's messages (docs/protocol.md, "The shift schedule") over real sockets, both
 * dialects, every driver: sync, one cell, a bulk change, conflicts per cell, resume across
 * collections, and a whole-document SQL write as the old app makes it.
 */
for (const driver of await availableDrivers()) {
  describe(`schedule over the protocol on ${driver}`, () => {
    let env: DriverServer;
    const closers: (() => Promise<unknown>)[] = [];
    let period: { index: number; startDate: string; endDate: string };
    const v1 = async () => {
      const client = await TestClient.connect(env.server.wsUrl);
      closers.push(() => client.close());
      return client;
    };
    const plain = async () => {
      const client = await PlainClient.connect(env.server.wsUrl);
      closers.push(() => client.close());
      await client.waitFor((m) => m.type === 'CONNECTION_ACK');
      return client;
    };
    /** A date of the test period, `n` days after its start. */
    const day = (n: number) => {
      const date = new Date(`${period.startDate}T00:00:00Z`);
      date.setUTCDate(date.getUTCDate() + n);
      return date.toISOString().slice(0, 10);
    };
    const member = async (client: TestClient, fields: Record<string, unknown> = {}) => {
      const reply = await client.request('STAFF_CREATE', { name: '田中', position: 'ホール', ...fields });
      if (reply.type !== 'ACK') throw new Error(JSON.stringify(reply));
      return reply.payload.staffId;
    };
    const request = async (client: TestClient, type: string, payload: unknown) => {
      const reply = (await client.reply(client.send(type, payload))) as ServerMessage;
      return reply;
    };
    const broadcasts = (client: TestClient, from: number) =>
      client.messages.filter((m): m is ShiftChangeEvent => m.type === 'SHIFT_BROADCAST' && m.seq > from);

    beforeAll(async () => {
      env = await serverOn(driver, 'schedule');
      const client = await v1();
      const snapshot = await client.sync({ period: 1 });
      if (!snapshot.payload.full) throw new Error('expected a full snapshot');
      period = snapshot.payload.periods[1] as typeof period;
    });
    afterAll(async () => {
      await Promise.all(closers.map((close) => close()));
      await env.cleanup();
    });

    it('SHIFT_SYNC_REQUEST answers the period’s cells with versions (v1) and without (plain); SHIFT_UPDATE is ACKed and broadcast to both', async () => {
      const writer = await v1();
      const watcher = await plain();
      const staffId = await member(writer);
      writer.send('SHIFT_SYNC_REQUEST', { periodIndex: period.index });
      const empty = await writer.waitFor<Extract<ServerMessage, { type: 'SHIFT_SYNC_RESPONSE' }>>(
        (m) => m.type === 'SHIFT_SYNC_RESPONSE',
      );
      expect(empty.payload).toMatchObject({ periodIndex: period.index, scheduleData: {}, versions: {} });
      expect(empty.payload.scheduleId).toMatch(/^[0-9a-f-]{36}$/);
      const ack = await request(writer, 'SHIFT_UPDATE', {
        staffId,
        dateKey: day(0),
        shiftValue: '×',
        version: 0,
        periodIndex: period.index,
      });
      expect(ack).toMatchObject({ type: 'ACK', payload: { cells: 1, versions: { [staffId]: { [day(0)]: 1 } } } });
      const seq = (ack.payload as ShiftAckPayload).seq;
      const seen = await watcher.waitFor((m) => m.type === 'SHIFT_BROADCAST' && m.payload.staffId === staffId);
      expect(seen).toMatchObject({
        seq,
        payload: {
          staffId,
          dateKey: day(0),
          shiftValue: '×',
          version: 1,
          scheduleId: empty.payload.scheduleId,
          periodIndex: period.index,
        },
      });
      watcher.send({ type: 'SHIFT_SYNC_REQUEST', payload: { periodIndex: period.index } });
      const plainSync = await watcher.next('SHIFT_SYNC_RESPONSE');
      expect(plainSync.payload.scheduleData).toEqual({ [staffId]: { [day(0)]: '×' } });
      expect(plainSync.payload).not.toHaveProperty('versions');
      // A plain client's own cell change: no sequenceNumber, its reply without one.
      watcher.send({ type: 'SHIFT_UPDATE', payload: { staffId, dateKey: day(1), shiftValue: '△' } });
      const plainAck = await watcher.next('ACK');
      expect(plainAck.payload).toMatchObject({ cells: 1 });
      expect(plainAck.payload).not.toHaveProperty('sequenceNumber');
    });

    it('a bulk change is ACKed once, reaches v1 clients as consecutive SHIFT_BROADCASTs and a plain client as one SHIFT_SYNC_RESPONSE broadcast', async () => {
      const writer = await v1();
      const own = await v1();
      await own.sync();
      const watcher = await plain();
      const [a, b] = [await member(writer), await member(writer, { status: 'パート' })];
      const scheduleData = {
        [a]: Object.fromEntries([0, 1, 2, 3].map((n) => [day(n), '×'])),
        [b]: Object.fromEntries([0, 1, 2, 3].map((n) => [day(n), '○'])),
      };
      const ack = await request(writer, 'SHIFT_BULK_UPDATE', { periodIndex: period.index, scheduleData });
      if (ack.type !== 'ACK') throw new Error(JSON.stringify(ack));
      const { seq, cells } = ack.payload as ShiftAckPayload;
      expect(cells).toBe(8);
      await own.waitFor((m) => m.type === 'SHIFT_BROADCAST' && m.seq === seq);
      expect(broadcasts(own, seq - 8).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => seq - 8 + n));
      const announced = await watcher.waitFor((m) => m.type === 'SHIFT_SYNC_RESPONSE' && m.payload.broadcast === true);
      const payload = announced.payload as unknown as ShiftSyncResponsePayload;
      expect(payload.scheduleData[a]).toMatchObject(scheduleData[a] as object);
      expect(payload.scheduleData[b]).toMatchObject(scheduleData[b] as object);
      expect(announced.seq).toBeGreaterThanOrEqual(seq);
      // A later single change reaches the plain client after the announcement, and none of the bulk's cells singly.
      const after = await request(writer, 'SHIFT_UPDATE', { staffId: a, dateKey: day(4), shiftValue: '△' });
      const later = await watcher.waitFor(
        (m) => m.type === 'SHIFT_BROADCAST' && m.seq === (after.payload as ShiftAckPayload).seq,
      );
      const frames = watcher.messages;
      expect(frames.indexOf(later)).toBeGreaterThan(frames.indexOf(announced));
      expect(
        frames.filter((m) => m.type === 'SHIFT_BROADCAST' && (m.seq as number) > seq - 8 && (m.seq as number) <= seq),
      ).toEqual([]);
      expect(watcher.frames.filter((f) => Array.isArray(f))).toEqual([]);
    });

    it('answers every plain client of a bulk change from one read of the period, not one each', async () => {
      const writer = await v1();
      const watchers = [await plain(), await plain(), await plain()];
      const staffId = await member(writer);
      const scheduleData = { [staffId]: Object.fromEntries([0, 1, 2].map((n) => [day(n), '△'])) };
      const reads = () => metricValue(env.server.url, 'supabase_operations_total', { operation: 'snapshot', status: 'success' });
      const before = await reads();
      const ack = await request(writer, 'SHIFT_BULK_UPDATE', { periodIndex: period.index, scheduleData });
      if (ack.type !== 'ACK') throw new Error(JSON.stringify(ack));
      const { seq } = ack.payload as ShiftAckPayload;
      for (const watcher of watchers) {
        const announced = await watcher.waitFor((m) => m.type === 'SHIFT_SYNC_RESPONSE' && m.payload.broadcast === true);
        expect(announced.seq).toBeGreaterThanOrEqual(seq);
        expect((announced.payload as unknown as ShiftSyncResponsePayload).scheduleData[staffId]).toEqual(scheduleData[staffId]);
      }
      // Found by bench/schedule-bulk.ts --plain-share: each plain connection read the period itself.
      expect((await reads()) - before).toBe(1);
    });

    it('refuses a cell the rules do not allow, all of a bulk with one such cell, and decides a stale cell by the strategy', async () => {
      const one = await v1();
      const two = await v1();
      const part = await member(one, { status: 'パート' });
      const refused = await request(one, 'SHIFT_UPDATE', { staffId: part, dateKey: day(5), shiftValue: 'late' });
      expect(refused).toMatchObject({ type: 'ERROR', payload: { code: 'VALIDATION_FAILED' } });
      const bulk = await request(one, 'SHIFT_BULK_UPDATE', {
        periodIndex: period.index,
        scheduleData: { [part]: { [day(5)]: '○', [day(6)]: 'late' } },
      });
      expect(bulk).toMatchObject({ type: 'ERROR', payload: { code: 'VALIDATION_FAILED' } });
      // Both start from the empty cell; the second is refused under merge, naming the cell.
      expect((await request(one, 'SHIFT_UPDATE', { staffId: part, dateKey: day(5), shiftValue: '○', version: 0 })).type).toBe(
        'ACK',
      );
      const conflict = await request(two, 'SHIFT_UPDATE', { staffId: part, dateKey: day(5), shiftValue: '×', version: 0 });
      expect(conflict.type).toBe('CONFLICT');
      expect((conflict.payload as ShiftConflictPayload).cells).toEqual([
        { staffId: part, dateKey: day(5), baseVersion: 0, current: { shiftValue: '○', version: 1 }, attempted: '×' },
      ]);
    });

    it('presence names the cell a user is on, with their name', async () => {
      const one = await v1();
      const two = await v1();
      const staffId = await member(one, { name: '在席' });
      one.send('PRESENCE_SET', { staffId, dateKey: day(3), userName: '花子' });
      const seen = await two.waitFor(
        (m) => m.type === 'PRESENCE' && m.payload.editors.some((e) => e.staffId === staffId && e.dateKey === day(3)),
      );
      expect(seen.type === 'PRESENCE' && seen.payload.editors.find((e) => e.staffId === staffId)).toMatchObject({
        userName: '花子',
      });
      one.send('PRESENCE_SET', { staffId: null });
      await two.waitFor((m) => m.type === 'PRESENCE' && !m.payload.editors.some((e) => e.staffId === staffId));
    });

    it('one resume by sinceSeq covers the roster and the cells, in seq order', async () => {
      const client = await v1();
      const sync = await client.sync();
      const since = sync.seq;
      const staffId = await member(client, { name: '再開' });
      await request(client, 'SHIFT_UPDATE', { staffId, dateKey: day(7), shiftValue: '×' });
      await client.request('STAFF_UPDATE', { staffId, changes: { position: '調理' } });
      const delta = await client.sync({ sinceSeq: since });
      if (delta.payload.full) throw new Error('expected a delta');
      expect((delta.payload.changes as AnyChangeEvent[]).map((c) => [c.seq - since, c.type])).toEqual([
        [1, 'STAFF_CREATE'],
        [2, 'SHIFT_BROADCAST'],
        [3, 'STAFF_UPDATE'],
      ]);
    });

    it.skipIf(driver !== 'postgres')('a whole-document write in SQL reaches every client as the cells it changed', async () => {
      const client = await v1();
      const watcher = await plain();
      const staffId = await member(client, { name: '旧アプリ' });
      const set = await request(client, 'SHIFT_UPDATE', { staffId, dateKey: day(8), shiftValue: '×', periodIndex: period.index });
      const from = (set.payload as ShiftAckPayload).seq;
      const [doc] = await env.query<{ id: string; schedule_data: Record<string, Record<string, string>> }>(
        'select id, schedule_data from schedules where period_index = $1',
        [period.index],
      );
      if (!doc) throw new Error('no schedule document');
      const data = { ...doc.schedule_data, [staffId]: { [day(8)]: '△', [day(9)]: '★' } };
      await env.query('update schedules set schedule_data = $1::text::jsonb where id = $2', [JSON.stringify(data), doc.id]);
      await client.waitFor((m) => m.type === 'SHIFT_BROADCAST' && m.seq === from + 2);
      expect(
        broadcasts(client, from).map((e) => [e.clientId, e.payload.dateKey, e.payload.shiftValue, e.payload.version]),
      ).toEqual([
        ['database', day(8), '△', 2],
        ['database', day(9), '★', 1],
      ]);
      const announced = await watcher.waitFor((m) => m.type === 'SHIFT_SYNC_RESPONSE' && m.payload.broadcast === true);
      expect((announced.payload.scheduleData as Record<string, object>)[staffId]).toEqual({ [day(8)]: '△', [day(9)]: '★' });
    });
  });
}

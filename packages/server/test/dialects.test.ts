import { randomUUID } from 'node:crypto';
import type { StaffMember } from '@staff-sync/protocol';
import { availableDrivers, type DriverServer, serverOn } from '@staff-sync/test-support/drivers';
import { metricValue } from '@staff-sync/test-support/metrics';
import { TestClient } from '@staff-sync/test-support/ws-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badInputCases } from './support/bad-input-cases.ts';
import { PlainClient } from './support/plain-client.ts';

/**
 * The two dialects (docs/protocol.md, "Dialects"), each row over a real socket, on every driver:
 * a client offering no subprotocol speaks plain (the plan's hooks and load test as written), the
 * project's own client `staff-sync.v1`, and both see one change log in one order.
 */
for (const driver of await availableDrivers()) {
  describe(`dialects on ${driver}`, () => {
    let env: DriverServer;
    const closers: (() => Promise<unknown>)[] = [];
    const plain = async (query = '') => {
      const client = await PlainClient.connect(`${env.server.wsUrl}${query}`);
      closers.push(() => client.close());
      await client.waitFor((m) => m.type === 'CONNECTION_ACK');
      return client;
    };
    const v1 = async () => {
      const client = await TestClient.connect(env.server.wsUrl);
      closers.push(() => client.close());
      return client;
    };
    /** The plan's hook: a fresh clientId on every message, no sequenceNumber. */
    const hookMessage = (type: string, payload: unknown) => ({
      type,
      payload,
      timestamp: new Date().toISOString(),
      clientId: randomUUID(),
    });
    const rosterNames = async () => {
      const client = await v1();
      const response = await client.sync();
      return response.payload.full ? response.payload.staffMembers.map((m) => m.name) : [];
    };

    beforeAll(async () => {
      env = await serverOn(driver, 'dialects');
    });
    afterAll(async () => {
      await Promise.all(closers.map((close) => close()));
      await env.cleanup();
    });

    it('negotiates staff-sync.v1 when offered, and gives a client that offers none the plain dialect', async () => {
      const own = await v1();
      expect(own.ws.protocol).toBe('staff-sync.v1');
      const client = await plain();
      expect(client.ws.protocol).toBe('');
      const hello = await client.waitFor((m) => m.type === 'HELLO');
      const ack = await client.waitFor((m) => m.type === 'CONNECTION_ACK');
      expect(ack.payload).toEqual({ status: 'connected', clientId: hello.payload.connectionId });
      // The project's own client gets no CONNECTION_ACK: it reads HELLO.
      await own.sync();
      expect(own.messages.some((m) => (m.type as string) === 'CONNECTION_ACK')).toBe(false);
    });

    it('answers a loose SYNC_REQUEST (no sequenceNumber, timestamp, clientId or payload), as the load test sends it', async () => {
      const client = await plain('?period=1');
      client.send({ type: 'SYNC_REQUEST', clientId: 'load-test-1' });
      const response = await client.next('SYNC_RESPONSE');
      expect(response.payload).toMatchObject({ full: true, period: 1 });
      expect(response.payload.staff).toEqual(response.payload.staffMembers);
      client.send({ type: 'SYNC_REQUEST', clientId: null, sequenceNumber: null });
      await client.next('SYNC_RESPONSE');
    });

    it("applies the plan's hook's create and update (no sequenceNumber, a new clientId each time), replies without sequenceNumber", async () => {
      const client = await plain();
      client.send(
        hookMessage('STAFF_CREATE', { name: '佐藤 花子', position: 'ホール', period: 3, staffOrder: 4, type: 'regular' }),
      );
      const ack = await client.next('ACK');
      expect(ack.payload).not.toHaveProperty('sequenceNumber');
      const staffId = ack.payload.staffId as string;
      // The created member arrives flat in the payload too, as the plan's hook reads it.
      const created = await client.waitFor((m) => m.type === 'STAFF_CREATE' && m.payload.staffId === staffId);
      expect(created.payload).toMatchObject({ id: staffId, name: '佐藤 花子', position: 'ホール', order: 4, isActive: true });
      expect(created.payload.staff).toMatchObject({ id: staffId, order: 4 });
      client.send(hookMessage('STAFF_UPDATE', { staffId, changes: { name: '佐藤 花' } }));
      const updateAck = await client.next('ACK');
      expect(updateAck.payload).toMatchObject({ staffId, version: 2 });
      const update = await client.waitFor((m) => m.type === 'STAFF_UPDATE' && m.payload.staffId === staffId);
      expect(update.payload).toMatchObject({ changes: { name: '佐藤 花' }, version: 2 });
    });

    it('reads a start or end without month as January or December, and staff_order as order', async () => {
      const client = await plain();
      client.send(
        hookMessage('STAFF_CREATE', {
          name: '期間',
          position: '調理',
          staff_order: 7,
          startPeriod: { year: 2026 },
          endPeriod: { year: 2027 },
        }),
      );
      const { payload } = await client.next('ACK');
      const created = await client.waitFor((m) => m.type === 'STAFF_CREATE' && m.payload.staffId === payload.staffId);
      expect(created.payload).toMatchObject({
        order: 7,
        startPeriod: { year: 2026, month: 1 },
        endPeriod: { year: 2027, month: 12 },
      });
    });

    it('deduplicates a plain mutation that carries a sequenceNumber, and not one without (at least once)', async () => {
      const client = await plain();
      const message = {
        ...hookMessage('STAFF_CREATE', { name: '重複なし', position: 'ホール' }),
        clientId: 'app-1',
        sequenceNumber: 9,
      };
      client.send(message);
      const first = await client.waitFor((m) => m.type === 'ACK' && m.payload.sequenceNumber === 9);
      client.send(message);
      const again = await client.waitFor((m) => m.type === 'ACK' && m.payload.duplicate === true);
      expect(again.payload).toMatchObject({ staffId: first.payload.staffId, version: 1, sequenceNumber: 9 });
      // Without a sequenceNumber a re-send is a new change: the documented price of a loose envelope.
      const loose = hookMessage('STAFF_CREATE', { name: '二重', position: 'ホール' });
      client.send(loose);
      client.send(loose);
      await client.waitFor((m) => m.type === 'ACK' && m.payload.version === 1 && m.payload.staffId !== first.payload.staffId);
      await until(async () => (await rosterNames()).filter((n) => n === '二重').length === 2);
      expect((await rosterNames()).filter((n) => n === '重複なし')).toHaveLength(1);
    });

    it('still refuses what would write bad data, with a clear ERROR (error and details too), and writes nothing', async () => {
      const client = await plain();
      const before = await rosterNames();
      const cases: [unknown, string][] = [
        [{ staffId: randomUUID(), changes: { name: 'x' } }, 'NOT_FOUND'],
        [{ staffId: 'test-123', changes: { name: 'x' } }, 'NOT_FOUND'],
      ];
      for (const [payload, code] of cases) {
        client.send(hookMessage('STAFF_UPDATE', payload));
        const error = await client.next('ERROR');
        expect(error.payload).toMatchObject({ code });
        expect(error.payload.error).toBe(error.payload.message);
        expect(error.payload).not.toHaveProperty('sequenceNumber');
      }
      const creates: [Record<string, unknown>, string][] = [
        [{ name: 'x'.repeat(101), position: 'ホール' }, 'payload.name'],
        [
          { name: '逆', position: 'ホール', startPeriod: { year: 2026, month: 5 }, endPeriod: { year: 2026, month: 4 } },
          'payload.endPeriod',
        ],
        [{ name: '色', position: 'ホール', colour: 'red' }, 'payload'],
      ];
      for (const [payload, field] of creates) {
        client.send({ ...hookMessage('STAFF_CREATE', payload), sequenceNumber: 40 + creates.findIndex(([p]) => p === payload) });
        const error = await client.next('ERROR');
        expect(error.payload).toMatchObject({ code: 'VALIDATION_FAILED' });
        expect(Object.keys(error.payload.details as object).join()).toContain(field);
        expect(error.payload.sequenceNumber).toBeGreaterThanOrEqual(40);
      }
      client.send({ type: 'DROP_TABLE', payload: {} });
      expect((await client.next('ERROR')).payload).toMatchObject({ code: 'UNKNOWN_TYPE' });
      client.send({ type: 'PING', payload: { timestamp: 'echo-me' } });
      expect((await client.next('PONG')).payload).toEqual({ timestamp: 'echo-me' });
      expect(await rosterNames()).toEqual(before);
      expect(
        await metricValue(env.server.url, 'staff_operations_total', { operation: 'invalid', status: 'error' }),
      ).toBeGreaterThanOrEqual(5); // the frames refused before they became messages
    });

    it('refuses every bad-input case of the staff-sync.v1 conformance suite in the plain dialect too', async () => {
      const client = await plain();
      const before = await rosterNames();
      for (const [i, bad] of badInputCases().entries()) {
        const expected = bad.plain ?? bad;
        client.send({ ...hookMessage(bad.type, bad.payload), sequenceNumber: 100 + i });
        const error = await client.waitFor((m) => m.type === 'ERROR' && m.payload.sequenceNumber === 100 + i);
        expect(error.payload, `${bad.type} ${JSON.stringify(bad.payload)}`).toMatchObject({ code: expected.code });
        if (expected.field) expect(Object.keys((error.payload.details as object) ?? {})).toContain(expected.field);
        expect(String(error.payload.error).length).toBeGreaterThan(10);
      }
      expect(await rosterNames()).toEqual(before);
    });

    it('answers SYNC_REQUEST with the members active in the period, and SYNC_ALL_PERIODS_REQUEST per period', async () => {
      const client = await plain();
      const own = await v1();
      const snapshot = await own.sync({ period: 0 });
      if (!snapshot.payload.full) throw new Error('expected a full snapshot');
      const periods = snapshot.payload.periods;
      // Active only in period 2 (its start month to its end month).
      const [, , p2] = periods as [unknown, unknown, { startDate: string; endDate: string }];
      const year = Number(p2.endDate.slice(0, 4));
      const month = Number(p2.endDate.slice(5, 7));
      const reply = await own.request('STAFF_CREATE', {
        name: '短期',
        position: 'ホール',
        startPeriod: { year, month, day: 1 },
        endPeriod: { year, month, day: 10 },
      });
      if (reply.type !== 'ACK') throw new Error(JSON.stringify(reply));
      client.send({ type: 'SYNC_REQUEST', payload: { period: 2 } });
      const inPeriod = await client.next('SYNC_RESPONSE');
      expect((inPeriod.payload.staffMembers as StaffMember[]).map((m) => m.name)).toContain('短期');
      client.send({ type: 'SYNC_REQUEST', payload: { period: 0 } });
      const outside = await client.next('SYNC_RESPONSE');
      expect((outside.payload.staffMembers as StaffMember[]).map((m) => m.name)).not.toContain('短期');
      client.send({ type: 'SYNC_ALL_PERIODS_REQUEST', clientId: null });
      const all = await client.next('SYNC_ALL_PERIODS_RESPONSE');
      expect(all.payload.totalPeriods).toBe(periods.length);
      const byPeriod = all.payload.periods as Record<string, StaffMember[]>;
      expect(Object.keys(byPeriod)).toHaveLength(periods.length);
      expect(byPeriod['2']?.map((m) => m.name)).toContain('短期');
      expect(byPeriod['0']?.map((m) => m.name)).not.toContain('短期');
    });

    it('gives plain and v1 clients the same changes in the same order; a plain client never gets an array, even in a burst', async () => {
      const client = await plain();
      const own = await v1();
      await own.sync();
      const writer = await v1();
      const from = client.frames.length;
      const created = await writer.request('STAFF_CREATE', { name: 'バースト', position: 'ホール' });
      if (created.type !== 'ACK') throw new Error(JSON.stringify(created));
      // 50 changes within about 100 ms, sent without waiting for replies.
      for (let i = 1; i <= 50; i++) writer.send('STAFF_UPDATE', { staffId: created.payload.staffId, changes: { order: i } });
      await client.waitFor(
        (m) => m.type === 'STAFF_UPDATE' && m.payload.staffId === created.payload.staffId && m.payload.version === 51,
      );
      await own.waitFor(
        (m) => m.type === 'STAFF_UPDATE' && m.payload.version === 51 && m.payload.staffId === created.payload.staffId,
      );
      const burst = client.frames.slice(from);
      expect(burst.filter((f) => Array.isArray(f))).toEqual([]);
      // From the create on (earlier tests' changes may still be arriving at the first client).
      const seqs = (messages: { type: string; seq?: number }[]) =>
        messages
          .filter((m) => m.type.startsWith('STAFF_') && m.seq !== undefined && m.seq >= created.payload.seq)
          .map((m) => m.seq);
      const plainSeqs = seqs(client.messages);
      expect(plainSeqs).toHaveLength(51);
      expect(seqs(own.messages).slice(0, 51)).toEqual(plainSeqs);
    });
  });
}

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

import { randomUUID } from 'node:crypto';
import type { ChangeEvent, ServerMessage, StaffMember } from '@staff-sync/protocol';
import { availableDrivers, type DriverServer, serverOn } from '@staff-sync/test-support/drivers';
import { until } from '@staff-sync/test-support/metrics';
import { TestClient } from '@staff-sync/test-support/ws-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badInputCases } from './support/bad-input-cases.ts';

/** Every row of docs/protocol.md's tables and every guarantee, over a real socket, on every driver. */
for (const driver of await availableDrivers()) {
  describe(`protocol conformance on ${driver}`, () => {
    let env: DriverServer;
    const clients: TestClient[] = [];
    const connect = async (options: Parameters<typeof TestClient.connect>[1] = {}) => {
      const client = await TestClient.connect(env.server.wsUrl, options);
      clients.push(client);
      return client;
    };
    const createMember = async (client: TestClient, fields: Record<string, unknown> = {}) => {
      const reply = await client.request('STAFF_CREATE', { name: '山田 太郎', position: '料理長', ...fields });
      if (reply.type !== 'ACK') throw new Error(JSON.stringify(reply));
      return reply.payload;
    };

    beforeAll(async () => {
      env = await serverOn(driver, 'conformance', { env: { DELTA_MAX_CHANGES: '50' } });
    });
    afterAll(async () => {
      await Promise.all(clients.map((c) => c.close()));
      for (const c of clients) expect(c.invalid).toEqual([]); // every server message matched the schemas
      await env.cleanup();
    });

    describe('connecting', () => {
      it('opens at /staff-sync and greets with HELLO', async () => {
        const client = await connect();
        const hello = await client.waitFor((m) => m.type === 'HELLO');
        expect(hello).toMatchObject({
          type: 'HELLO',
          clientId: 'server',
          sequenceNumber: 1,
          payload: { protocolVersion: 1, role: 'editor', strategy: 'merge', limits: { maxMessageBytes: 65536 } },
        });
      });

      it('refuses other paths with 404 and a bad period with 400', async () => {
        const base = env.server.wsUrl.replace('/staff-sync', '');
        await expect(TestClient.connect(`${base}/elsewhere`)).rejects.toMatchObject({ status: 404 });
        await expect(TestClient.connect(env.server.wsUrl, { query: 'period=-1' })).rejects.toMatchObject({ status: 400 });
      });

      it('negotiates permessage-deflate when the client offers it', async () => {
        const plain = await connect();
        const deflate = await connect({ perMessageDeflate: true });
        expect(plain.ws.extensions).toBe('');
        expect(deflate.ws.extensions).toContain('permessage-deflate');
        // Compressed or not, a full sync is the same message.
        const [a, b] = await Promise.all([plain.sync(), deflate.sync()]);
        expect(b.payload).toEqual(a.payload);
      });

      it('uses the period from the URL when the request names none', async () => {
        const client = await connect({ query: 'period=3' });
        const response = await client.sync();
        expect(response.payload).toMatchObject({ full: true, period: 3 });
      });
    });

    describe('client to server', () => {
      it('SYNC_REQUEST gives a full snapshot with periods, active members only, and the seq it covers', async () => {
        const client = await connect();
        const kept = await createMember(client, { name: 'Kept' });
        const gone = await createMember(client, { name: 'Gone' });
        await client.request('STAFF_DELETE', { staffId: gone.staffId });
        const response = await client.sync({ period: 2 });
        expect(response).toMatchObject({ type: 'SYNC_RESPONSE', clientId: 'server' });
        if (!response.payload.full) throw new Error('expected a full snapshot');
        expect(response.payload.period).toBe(2);
        expect(response.payload.periods[0]).toEqual({
          index: 0,
          startDate: '2025-01-21',
          endDate: '2025-02-20',
          label: '1月・2月',
        });
        const ids = response.payload.staffMembers.map((m) => m.id);
        expect(ids).toContain(kept.staffId);
        expect(ids).not.toContain(gone.staffId);
        expect(response.seq).toBeGreaterThanOrEqual(3);
        // Every field is present in every member.
        for (const member of response.payload.staffMembers) {
          expect(Object.keys(member).sort()).toEqual(
            [
              'color',
              'createdAt',
              'department',
              'endPeriod',
              'id',
              'isActive',
              'name',
              'order',
              'position',
              'startPeriod',
              'status',
              'type',
              'updatedAt',
              'version',
            ].sort(),
          );
        }
      });

      it('SYNC_REQUEST for a period that does not exist is a VALIDATION_FAILED error', async () => {
        const client = await connect();
        const n = client.send('SYNC_REQUEST', { period: 9999 });
        expect(await client.reply(n)).toMatchObject({ type: 'ERROR', payload: { code: 'VALIDATION_FAILED', sequenceNumber: n } });
      });

      it('STAFF_CREATE: ACK to the sender, STAFF_CREATE to every subscriber with seq and originator', async () => {
        const a = await connect();
        const b = await connect();
        await Promise.all([a.sync(), b.sync()]);
        const id = randomUUID();
        const n = a.send('STAFF_CREATE', {
          id,
          name: ' 佐藤 花子 ',
          position: 'ホール係',
          department: 'ホール',
          status: 'パート',
          type: 'regular',
        });
        const ack = await a.reply(n);
        expect(ack).toMatchObject({ type: 'ACK', clientId: 'server', payload: { sequenceNumber: n, staffId: id, version: 1 } });
        const event = (await b.waitFor((m) => m.type === 'STAFF_CREATE' && m.payload.staffId === id)) as ChangeEvent;
        expect(event).toMatchObject({
          clientId: a.clientId,
          sequenceNumber: n,
          seq: (ack as Extract<ServerMessage, { type: 'ACK' }>).payload.seq,
          payload: {
            staffId: id,
            version: 1,
            staff: { id, name: '佐藤 花子', department: 'ホール', status: 'パート', type: 'part-time', version: 1 },
          },
        });
        expect(event.payload.changes).toMatchObject({ name: '佐藤 花子', position: 'ホール係' });
        // The sender gets the event too.
        await a.waitFor((m) => m.type === 'STAFF_CREATE' && m.payload.staffId === id);
      });

      it('STAFF_UPDATE: ACK and STAFF_UPDATE carrying the whole member and only the changed fields', async () => {
        const a = await connect();
        const b = await connect();
        const { staffId } = await createMember(a);
        await b.sync();
        const n = a.send('STAFF_UPDATE', {
          staffId,
          changes: { position: '副料理長', endPeriod: { year: 2027, month: 3 } },
          version: 1,
        });
        expect(await a.reply(n)).toMatchObject({ type: 'ACK', payload: { staffId, version: 2 } });
        const event = await b.waitFor((m) => m.type === 'STAFF_UPDATE' && m.payload.staffId === staffId);
        expect(event).toMatchObject({
          clientId: a.clientId,
          sequenceNumber: n,
          payload: {
            version: 2,
            changes: { position: '副料理長', endPeriod: { year: 2027, month: 3 } },
            staff: { name: '山田 太郎', position: '副料理長' },
          },
        });
        expect(Object.keys((event as ChangeEvent).payload.changes).sort()).toEqual(['endPeriod', 'position']);
      });

      it('STAFF_DELETE: ACK and STAFF_DELETE with isActive false and a bumped version', async () => {
        const a = await connect();
        const { staffId } = await createMember(a);
        const n = a.send('STAFF_DELETE', { staffId, version: 1 });
        expect(await a.reply(n)).toMatchObject({ type: 'ACK', payload: { version: 2 } });
        expect(await a.waitFor((m) => m.type === 'STAFF_DELETE' && m.payload.staffId === staffId)).toMatchObject({
          payload: { version: 2, changes: { isActive: false }, staff: { isActive: false, version: 2 } },
        });
      });

      it('PING gets PONG', async () => {
        const client = await connect();
        client.send('PING', {});
        expect(await client.waitFor((m) => m.type === 'PONG')).toMatchObject({ payload: {}, clientId: 'server' });
      });

      it('numbers its own messages per connection', async () => {
        const client = await connect();
        client.send('PING', {});
        client.send('PING', {});
        await client.waitFor(() => client.messages.filter((m) => m.type === 'PONG').length === 2);
        const own = client.messages.filter((m) => m.clientId === 'server').map((m) => m.sequenceNumber);
        expect(own).toEqual(own.map((_, i) => i + 1));
        for (const m of client.messages) expect(Date.parse(m.timestamp)).not.toBeNaN();
      });
    });

    describe('guarantees', () => {
      it('1. durable before visible: once ACKed, a new client reads the change', async () => {
        const a = await connect();
        const { staffId } = await createMember(a, { name: 'Durable' });
        const fresh = await connect();
        const response = await fresh.sync();
        expect(response.payload.full && response.payload.staffMembers.some((m) => m.id === staffId)).toBe(true);
      });

      it('2. ordering: seq grows by exactly 1 and every subscriber gets events in seq order', async () => {
        const watcher = await connect();
        const start = (await watcher.sync()).seq;
        const writers = await Promise.all([connect(), connect(), connect()]);
        const { staffId } = await createMember(writers[0] as TestClient);
        await Promise.all(
          writers.flatMap((w, i) =>
            [1, 2, 3, 4].map((k) => w.request('STAFF_UPDATE', { staffId, changes: { order: i * 10 + k } })),
          ),
        );
        await watcher.waitFor(() => watcher.changes().length >= 13);
        const seqs = watcher.changes().map((m) => m.seq);
        expect(seqs).toEqual(seqs.map((_, i) => start + 1 + i));
      });

      it('3. resume: sinceSeq gives the missed events in order, or a full snapshot when too many', async () => {
        const a = await connect();
        const { staffId } = await createMember(a);
        const since = (await a.sync()).seq;
        for (const name of ['一', '二', '三']) await a.request('STAFF_UPDATE', { staffId, changes: { name } });
        const b = await connect();
        const delta = await b.sync({ sinceSeq: since });
        expect(delta.seq).toBe(since + 3);
        if (delta.payload.full) throw new Error('expected a delta');
        expect((delta.payload.changes as ChangeEvent[]).map((c) => [c.seq, c.type, c.payload.changes])).toEqual([
          [since + 1, 'STAFF_UPDATE', { name: '一' }],
          [since + 2, 'STAFF_UPDATE', { name: '二' }],
          [since + 3, 'STAFF_UPDATE', { name: '三' }],
        ]);
        expect((await b.sync({ sinceSeq: delta.seq })).payload).toEqual({ full: false, changes: [] });
        expect((await b.sync({ sinceSeq: delta.seq + 100 })).payload.full).toBe(true); // ahead of the server
        expect((await b.sync({ sinceSeq: 0 })).payload.full).toBe(delta.seq > 50); // DELTA_MAX_CHANGES=50
      });

      it('3b. events committed while a sync is answered are not lost or doubled', async () => {
        const writer = await connect();
        const { staffId } = await createMember(writer);
        const reader = await connect();
        const writes = Array.from({ length: 30 }, (_, i) =>
          writer.request('STAFF_UPDATE', { staffId, changes: { order: i + 1 } }),
        );
        const response = await reader.sync();
        await Promise.all(writes);
        const last = (await writer.sync()).seq;
        // Covered by the snapshot or by a later event.
        await reader.waitFor(() => Math.max(response.seq, reader.changes().at(-1)?.seq ?? 0) >= last);
        const after = reader
          .changes()
          .filter((c) => c.seq > response.seq)
          .map((c) => c.seq);
        expect(after).toEqual(after.map((_, i) => response.seq + 1 + i));
        expect(reader.changes().every((c, i, all) => i === 0 || c.seq > (all[i - 1] as { seq: number }).seq)).toBe(true);
      });

      it('4. at most once: a re-sent mutation is answered with duplicate: true and not broadcast again', async () => {
        const a = await connect();
        const { staffId } = await createMember(a);
        const n = a.send('STAFF_UPDATE', { staffId, changes: { name: 'Once' }, version: 1 });
        const first = await a.reply(n);
        await a.waitFor((m) => m.type === 'STAFF_UPDATE' && m.payload.staffId === staffId);
        const count = a.changes().filter((c) => c.payload.staffId === staffId).length;
        // The same message again, as after a reconnect (new socket, same clientId).
        const again = await connect({ clientId: a.clientId });
        again.send('STAFF_UPDATE', { staffId, changes: { name: 'Once' }, version: 1 }, n);
        const second = await again.reply(n);
        expect(first).toMatchObject({ type: 'ACK' });
        expect(second.payload).toEqual({ ...first.payload, duplicate: true });
        // A sentinel change of the member after it: the events arrive in seq order, so once the
        // sentinel is here, a repeat broadcast of the duplicate would be here before it.
        expect(await a.request('STAFF_UPDATE', { staffId, changes: { name: 'Sentinel' }, version: 2 })).toMatchObject({
          type: 'ACK',
        });
        await a.waitFor(
          (m) => m.type === 'STAFF_UPDATE' && m.payload.staffId === staffId && m.payload.staff?.name === 'Sentinel',
        );
        const mine = a.changes().filter((c) => c.payload.staffId === staffId);
        expect(mine.length).toBe(count + 1);
        expect(mine.at(-1)?.payload.staff?.name).toBe('Sentinel');
      });

      it('5/6. versions and the merge strategy: a stale edit of the same field conflicts, nothing written', async () => {
        const a = await connect();
        const b = await connect();
        const { staffId } = await createMember(a);
        await a.request('STAFF_UPDATE', { staffId, changes: { name: 'A' }, version: 1 });
        const merged = await b.request('STAFF_UPDATE', { staffId, changes: { position: 'B' }, version: 1 });
        expect(merged).toMatchObject({ type: 'ACK', payload: { version: 3 } });
        const conflict = await b.request('STAFF_UPDATE', { staffId, changes: { name: 'B' }, version: 1 });
        expect(conflict).toMatchObject({
          type: 'CONFLICT',
          payload: {
            staffId,
            strategy: 'merge',
            baseVersion: 1,
            attempted: { name: 'B' },
            conflictingFields: ['name'],
            current: { name: 'A', position: 'B', version: 3 },
          },
        });
        const state = await (await connect()).sync();
        const member = state.payload.full ? state.payload.staffMembers.find((m: StaffMember) => m.id === staffId) : undefined;
        expect(member).toMatchObject({ name: 'A', version: 3 });
      });

      it('7. bad input: an ERROR naming the message, nothing written, the connection stays open', async () => {
        const a = await connect();
        const before = (await a.sync()).seq;
        a.sendRaw('{not json');
        expect(await a.waitFor((m) => m.type === 'ERROR')).toMatchObject({ payload: { code: 'INVALID_JSON' } });
        for (const { type, payload, code, field } of badInputCases()) {
          const n = a.send(type, payload);
          const reply = await a.reply(n);
          expect(reply, `${type} ${JSON.stringify(payload)}`).toMatchObject({
            type: 'ERROR',
            payload: { code, sequenceNumber: n },
          });
          if (field) expect(Object.keys((reply.payload as { fields?: object }).fields ?? {})).toContain(field);
          expect((reply.payload as { message: string }).message.length).toBeGreaterThan(10);
        }
        a.sendRaw(JSON.stringify({ type: 'PING', payload: {}, sequenceNumber: 77 }));
        expect(await a.reply(77)).toMatchObject({
          payload: { code: 'INVALID_MESSAGE', fields: { timestamp: 'timestamp is required', clientId: 'clientId is required' } },
        });
        const created = a.send('STAFF_CREATE', { name: 'x', position: 'y' });
        expect(await a.reply(created)).toMatchObject({ type: 'ACK' });
        a.send('STAFF_CREATE', { name: 'not the same', position: 'z' }, created);
        await a.waitFor(
          (m) => m.type === 'ERROR' && m.payload.code === 'SEQUENCE_REUSED' && m.payload.sequenceNumber === created,
        );
        expect((await a.sync()).seq).toBe(before + 1); // only the one valid create was written
        expect(a.ws.readyState).toBe(a.ws.OPEN);
      });

      it('mutations that reached the server before the client went away are still applied', async () => {
        const leaving = await connect();
        const ids = Array.from({ length: 20 }, () => randomUUID());
        for (const id of ids) leaving.send('STAFF_CREATE', { id, name: '退勤', position: 'x' });
        await leaving.close(); // the close frame arrives while most creates still wait their turn
        const reader = await connect();
        await until(
          async () => {
            const { payload } = await reader.sync();
            return payload.full && ids.every((id) => payload.staffMembers.some((m) => m.id === id));
          },
          10_000,
          'every create to be applied',
        );
      });

      it('7b. a frame over the size limit closes only that connection, with 1009', async () => {
        const big = await connect();
        const bystander = await connect();
        big.sendRaw(
          JSON.stringify({
            type: 'PING',
            payload: { pad: 'x'.repeat(70 * 1024) },
            timestamp: new Date().toISOString(),
            clientId: big.clientId,
            sequenceNumber: 1,
          }),
        );
        expect((await big.closed).code).toBe(1009);
        bystander.send('PING', {});
        await bystander.waitFor((m) => m.type === 'PONG');
      });
    });
  });
}

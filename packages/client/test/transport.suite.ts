import { randomUUID } from 'node:crypto';
import { type CloseInfo, httpUrlFor, type Transport, type TransportFactory } from '@staff-sync/client';
import {
  type ChangeEvent,
  type ClientMessage,
  CloseCode,
  isShiftAck,
  parseServerFrame,
  type ServerMessage,
} from '@staff-sync/protocol';
import { startServerProcess, TestClient, until } from '@staff-sync/test-support/client';
import type { ServerProcess } from '@staff-sync/test-support/server-process';
import { hs256Token, TEST_JWT_SECRET } from '@staff-sync/test-support/tokens';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

/** One transport under test with everything it reported. */
class Probe {
  readonly messages: ServerMessage[] = [];
  readonly invalid: unknown[] = [];
  readonly closes: CloseInfo[] = [];
  opened = 0;
  readonly transport: Transport;
  readonly clientId = randomUUID();
  #sequence = 0;

  constructor(factory: TransportFactory, server: ServerProcess, period?: number, token?: string) {
    this.transport = factory({
      url: server.wsUrl,
      httpUrl: httpUrlFor(server.wsUrl),
      token,
      period,
      callbacks: {
        onOpen: () => {
          this.opened++;
        },
        onFrame: (text) => {
          const frame = parseServerFrame(text);
          this.messages.push(...frame.messages);
          this.invalid.push(...frame.invalid);
        },
        onClose: (info) => {
          this.closes.push(info);
        },
      },
    });
  }

  async open(): Promise<this> {
    this.transport.open();
    await until(() => this.opened === 1 || this.closes.length > 0, 10_000, 'the transport to open');
    if (this.opened !== 1) throw new Error(`did not open: ${JSON.stringify(this.closes)}`);
    return this;
  }

  send(type: ClientMessage['type'], payload: unknown, sequenceNumber = ++this.#sequence, clientId = this.clientId): number {
    this.#sequence = Math.max(this.#sequence, sequenceNumber);
    this.transport.send({ type, payload, timestamp: new Date().toISOString(), clientId, sequenceNumber } as ClientMessage);
    return sequenceNumber;
  }

  async next<T extends ServerMessage['type']>(type: T, where: (m: Extract<ServerMessage, { type: T }>) => boolean = () => true) {
    let found: Extract<ServerMessage, { type: T }> | undefined;
    await until(
      () => {
        found = this.messages.find((m): m is Extract<ServerMessage, { type: T }> => m.type === type && where(m as never));
        return found !== undefined;
      },
      10_000,
      `a ${type}`,
    );
    return found as Extract<ServerMessage, { type: T }>;
  }

  reply(sequenceNumber: number) {
    return until(
      () =>
        this.messages.some(
          (m) => (m.type === 'ACK' || m.type === 'CONFLICT' || m.type === 'ERROR') && m.payload.sequenceNumber === sequenceNumber,
        ),
      10_000,
      `the reply to ${sequenceNumber}`,
    ).then(
      () =>
        this.messages.find(
          (m) => (m.type === 'ACK' || m.type === 'CONFLICT' || m.type === 'ERROR') && m.payload.sequenceNumber === sequenceNumber,
        ) as Extract<ServerMessage, { type: 'ACK' | 'CONFLICT' | 'ERROR' }>,
    );
  }

  /** SYNC_REQUEST and the next SYNC_RESPONSE. */
  async sync(payload: { period?: number; sinceSeq?: number } = {}) {
    const before = this.messages.filter((m) => m.type === 'SYNC_RESPONSE').length;
    this.send('SYNC_REQUEST', payload);
    await until(() => this.messages.filter((m) => m.type === 'SYNC_RESPONSE').length > before, 10_000, 'a SYNC_RESPONSE');
    return this.messages.filter((m) => m.type === 'SYNC_RESPONSE')[before] as Extract<ServerMessage, { type: 'SYNC_RESPONSE' }>;
  }

  changes(): ChangeEvent[] {
    return this.messages.filter(
      (m): m is ChangeEvent => m.type === 'STAFF_CREATE' || m.type === 'STAFF_UPDATE' || m.type === 'STAFF_DELETE',
    );
  }

  async nextChange(where: (m: ChangeEvent) => boolean): Promise<ChangeEvent> {
    await until(() => this.changes().some(where), 10_000, 'a change event');
    return this.changes().find(where) as ChangeEvent;
  }
}

/**
 * The one suite every transport must pass (as Hono's router/common.case.test.ts): the same
 * messages, answers and guarantees over the real server, whatever carries them.
 */
export function transportSuite(name: string, factory: TransportFactory): void {
  describe(`transport suite: ${name}`, () => {
    let server: ServerProcess;
    const probes: Probe[] = [];
    const raws: TestClient[] = [];
    const probe = (period?: number) => {
      const p = new Probe(factory, server, period);
      probes.push(p);
      return p.open();
    };
    const raw = async () => {
      const r = await TestClient.connect(server.wsUrl);
      raws.push(r);
      return r;
    };

    beforeAll(async () => {
      server = await startServerProcess({ env: { DELTA_MAX_CHANGES: '5' } });
    });
    afterEach(() => {
      for (const p of probes.splice(0)) {
        p.transport.close();
        // Whatever the server said, it matched the protocol's schemas.
        expect(p.invalid).toEqual([]);
      }
    });
    afterAll(async () => {
      await Promise.all(raws.map((r) => r.close()));
      await server.stop();
    });

    it(`is ${name}, opens, and hears HELLO first`, async () => {
      const p = await probe();
      expect(p.transport.kind).toBe(name);
      const hello = await p.next('HELLO');
      expect(hello.payload).toMatchObject({ protocolVersion: 1, role: 'editor', strategy: 'merge' });
      expect(p.messages[0]?.type).toBe('HELLO');
    });

    it('answers SYNC_REQUEST with a full snapshot of the requested period and the seq it covers', async () => {
      const p = await probe();
      const response = await p.sync({ period: 2 });
      expect(response.payload).toMatchObject({ full: true, period: 2 });
      expect(typeof response.seq).toBe('number');
    });

    it('uses the period it was opened with when the request names none', async () => {
      const p = await probe(3);
      const response = await p.sync();
      expect(response.payload).toMatchObject({ full: true, period: 3 });
    });

    it('acknowledges a mutation and then delivers its change event with the next seq', async () => {
      const p = await probe();
      const { seq } = await p.sync();
      const n = p.send('STAFF_CREATE', { name: 'Suite', position: 'x' });
      const ack = await p.reply(n);
      expect(ack).toMatchObject({ type: 'ACK', payload: { sequenceNumber: n, version: 1, seq: (seq as number) + 1 } });
      const event = await p.nextChange((m) => m.seq === (seq as number) + 1);
      expect(event).toMatchObject({ clientId: p.clientId, sequenceNumber: n, payload: { staff: { name: 'Suite' } } });
    });

    it('delivers other writers’ changes in seq order, each once', async () => {
      const p = await probe();
      const { seq } = await p.sync();
      const writer = await raw();
      for (let i = 0; i < 5; i++) await writer.request('STAFF_CREATE', { name: `Order ${i}`, position: 'x' });
      await until(() => p.changes().length >= 5, 10_000, 'five change events');
      expect(p.changes().map((c) => c.seq)).toEqual([1, 2, 3, 4, 5].map((i) => (seq as number) + i));
    });

    it('answers a repeated (clientId, sequenceNumber) with the first outcome, marked duplicate', async () => {
      const p = await probe();
      const n = p.send('STAFF_CREATE', { name: 'Twice', position: 'x' });
      const first = await p.reply(n);
      p.messages.length = 0;
      p.send('STAFF_CREATE', { name: 'Twice', position: 'x' }, n);
      const again = await p.reply(n);
      expect(again).toMatchObject({ type: 'ACK', payload: { ...first.payload, duplicate: true } });
    });

    it('shares deduplication with the WebSocket: a message first sent there is a duplicate here', async () => {
      const p = await probe();
      const writer = await raw();
      writer.send('STAFF_CREATE', { name: 'Switched transport', position: 'x' }, 7, p.clientId);
      const first = await writer.reply(7);
      p.send('STAFF_CREATE', { name: 'Switched transport', position: 'x' }, 7);
      const again = await p.reply(7);
      expect(again).toMatchObject({ type: 'ACK', payload: { ...first.payload, duplicate: true } });
      // A different message under the same number is refused, not applied.
      const reused = p.send('STAFF_CREATE', { name: 'Something else', position: 'x' }, 7);
      p.messages.length = 0;
      expect(await p.reply(reused)).toMatchObject({ type: 'ERROR', payload: { code: 'SEQUENCE_REUSED' } });
    });

    it('refuses invalid input with ERROR VALIDATION_FAILED naming the field, and writes nothing', async () => {
      const p = await probe();
      const n = p.send('STAFF_CREATE', { name: '   ', position: 'x', department: 'Kitchen' });
      const reply = await p.reply(n);
      expect(reply).toMatchObject({
        type: 'ERROR',
        payload: { code: 'VALIDATION_FAILED', sequenceNumber: n, fields: { 'payload.name': 'name is required' } },
      });
      expect(reply.type === 'ERROR' && reply.payload.fields?.['payload.department']).toMatch(/department must be one of/);
    });

    it('answers a stale update with CONFLICT and the current member', async () => {
      const p = await probe();
      const created = await p.reply(p.send('STAFF_CREATE', { name: 'Before', position: 'x' }));
      if (created.type !== 'ACK' || isShiftAck(created.payload)) throw new Error(JSON.stringify(created));
      const { staffId } = created.payload;
      // Written by another client: a client's own changes never make its edits stale (docs/protocol.md).
      await p.reply(p.send('STAFF_UPDATE', { staffId, changes: { name: 'Mine' }, version: 1 }, 1000, randomUUID()));
      const stale = await p.reply(p.send('STAFF_UPDATE', { staffId, changes: { name: 'Theirs' }, version: 1 }));
      expect(stale).toMatchObject({
        type: 'CONFLICT',
        payload: { staffId, baseVersion: 1, conflictingFields: ['name'], current: { name: 'Mine', version: 2 } },
      });
      const missing = await p.reply(p.send('STAFF_DELETE', { staffId: randomUUID() }));
      expect(missing).toMatchObject({ type: 'ERROR', payload: { code: 'NOT_FOUND' } });
    });

    it('resumes with the missed changes as a delta, or a full snapshot once they are too many', async () => {
      const p = await probe();
      const { seq } = await p.sync();
      const writer = await raw();
      await writer.request('STAFF_CREATE', { name: 'Missed', position: 'x' });
      const delta = await p.sync({ sinceSeq: seq as number });
      expect(delta.payload).toMatchObject({ full: false, changes: [{ seq: (seq as number) + 1, type: 'STAFF_CREATE' }] });
      for (let i = 0; i < 6; i++) await writer.request('STAFF_CREATE', { name: `Many ${i}`, position: 'x' });
      const full = await p.sync({ sinceSeq: seq as number });
      expect(full.payload.full).toBe(true);
      // After a response covering S, the next change event is S+1.
      await writer.request('STAFF_CREATE', { name: 'Right after', position: 'x' });
      const next = await p.nextChange((m) => m.payload.staff?.name === 'Right after');
      expect(next.seq).toBe((full.seq as number) + 1);
    });

    it('tells the restaurant who edits which member (PRESENCE_SET), and takes it back with staffId null', async () => {
      const p = await probe();
      await p.sync();
      const watcher = await raw();
      await watcher.sync();
      const staffId = randomUUID();
      const mine = (m: ServerMessage) =>
        m.type === 'PRESENCE' && m.payload.editors.some((e) => e.clientId === p.clientId && e.staffId === staffId);
      p.send('PRESENCE_SET', { staffId, userName: 'Probe' });
      const shown = await watcher.waitFor(mine);
      expect(shown.type === 'PRESENCE' && shown.payload.editors).toContainEqual({
        clientId: p.clientId,
        staffId,
        userName: 'Probe',
      });
      const from = watcher.messages.length;
      p.send('PRESENCE_SET', { staffId: null });
      await watcher.waitFor((m) => watcher.messages.indexOf(m) >= from && m.type === 'PRESENCE' && !mine(m));
    });

    it('calls onClose exactly once after close(), and nothing after it', async () => {
      const p = await probe();
      await p.sync();
      const live = await probe();
      await live.sync();
      p.transport.close();
      expect(p.closes).toEqual([{ code: 1000, reason: 'client closed', wasOpen: true }]);
      const writer = await raw();
      const count = p.messages.length;
      await writer.request('STAFF_CREATE', { name: 'After close', position: 'x' });
      // A sentinel change after it: once a transport still open has it, the one before reached
      // every subscriber it was going to (one fan-out pass per change, in seq order).
      await writer.request('STAFF_CREATE', { name: 'Sentinel', position: 'x' });
      await live.nextChange((m) => m.payload.staff?.name === 'Sentinel');
      expect(live.changes().map((m) => m.payload.staff?.name)).toContain('After close');
      expect(p.messages.length).toBe(count);
      p.transport.close();
      expect(p.closes).toHaveLength(1);
    });

    it('reports a server that cannot be reached as a close that never opened', async () => {
      const p = new Probe(factory, { ...server, wsUrl: 'ws://127.0.0.1:1/staff-sync' } as ServerProcess);
      p.transport.open();
      await until(() => p.closes.length === 1, 10_000, 'the failed open');
      expect(p.opened).toBe(0);
      expect(p.closes[0]?.wasOpen).toBe(false);
    });

    it('reports the server going away as a close of an open transport (last: stops the server)', async () => {
      const p = await probe();
      await p.sync();
      await server.stop();
      await until(() => p.closes.length === 1, 15_000, 'the close');
      expect(p.closes[0]?.wasOpen).toBe(true);
      expect(p.closes[0]?.code).not.toBe(1000);
    });
  });

  describe(`transport suite: ${name}, signed in`, () => {
    let server: ServerProcess;
    const probes: Probe[] = [];
    beforeAll(async () => {
      // Heartbeats far apart: only the token's expiry may end these transports.
      server = await startServerProcess({ env: { AUTH_JWT_SECRET: TEST_JWT_SECRET, HEARTBEAT_INTERVAL_MS: '60000' } });
    });
    afterAll(async () => {
      for (const p of probes.splice(0)) p.transport.close();
      await server.stop();
    });

    it('ends an open transport with 4001 when its token expires, and not before', async () => {
      const restaurant = '00000000-0000-0000-0000-000000000002';
      // exp is in whole seconds: 2 s from now is at least 1 s of validity.
      const token = await hs256Token({ restaurant, role: 'editor', expiresIn: 2 });
      const expiresAt = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()).exp * 1000;
      const p = new Probe(factory, server, undefined, token);
      probes.push(p);
      await p.open();
      await p.sync();
      await until(() => p.closes.length === 1, 10_000, 'the close at expiry');
      expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
      expect(p.closes[0]).toMatchObject({ code: CloseCode.TOKEN_EXPIRED, wasOpen: true });
    });
  });
}

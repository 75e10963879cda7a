import { metricValue, until } from '@staff-sync/test-support/metrics';
import { type ServerProcess, startServerProcess } from '@staff-sync/test-support/server-process';
import { TestClient } from '@staff-sync/test-support/ws-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

/** Every limit of docs/design.md's invariant 6 that the gateway enforces, each against a real server. */
describe('gateway limits', () => {
  describe('send backlog and connection count', () => {
    let server: ServerProcess;
    beforeAll(async () => {
      server = await startServerProcess({
        env: {
          DATA_DIR: 'memory://',
          MAX_BACKLOG_BYTES: '65536',
          MAX_CONNECTIONS: '12',
          RATE_LIMIT_PER_SECOND: '2000',
          RATE_LIMIT_BURST: '2000',
          MAX_PENDING_MESSAGES: '1000',
        },
      });
    });
    afterAll(() => server.stop());

    it('closes a client that never reads with 1013, and only that one', async () => {
      const writer = await TestClient.connect(server.wsUrl);
      const bystander = await TestClient.connect(server.wsUrl);
      for (let i = 0; i < 100; i++)
        await writer.request('STAFF_CREATE', { name: `${'長い名前'.repeat(20)}${i}`, position: '調理補助' });
      await bystander.sync();
      const stuck = await TestClient.connect(server.wsUrl);
      stuck.ws.pause(); // stop reading; the kernel buffers fill, then the server's backlog
      for (let i = 0; i < 600; i++) stuck.send('SYNC_REQUEST', {});
      await until(
        async () => (await metricValue(server.url, 'staff_sync_connections_closed_total', { reason: 'backlog' })) >= 1,
        20_000,
        'a backlog close',
      );
      stuck.ws.resume();
      expect((await stuck.closed).code).toBe(1013);
      // What the server owes its clients is on /metrics (the stuck one's share went with it).
      expect(await (await fetch(`${server.url}/metrics`)).text()).toMatch(/^staff_sync_send_backlog_bytes \d+$/m);
      // Everyone else is still served.
      const { staffId } = (await writer.request('STAFF_CREATE', { name: 'after', position: 'x' })).payload as { staffId: string };
      await bystander.waitFor((m) => m.type === 'STAFF_CREATE' && m.payload.staffId === staffId);
      await Promise.all([writer.close(), bystander.close()]);
    });

    it('refuses upgrades past MAX_CONNECTIONS with 503, and accepts again when one leaves', async () => {
      const active = async () => (await (await fetch(`${server.url}/health`)).json()).active_connections as number;
      await until(async () => (await active()) === 0, 10_000, 'earlier connections to close');
      const open = await Promise.all(Array.from({ length: 12 }, () => TestClient.connect(server.wsUrl)));
      await expect(TestClient.connect(server.wsUrl)).rejects.toMatchObject({ status: 503 });
      expect(await metricValue(server.url, 'staff_sync_connections_refused_total', { reason: 'max_connections' })).toBe(1);
      await open[0]?.close();
      await until(async () => (await active()) < 12);
      const again = await TestClient.connect(server.wsUrl);
      await Promise.all([again, ...open].map((c) => c.close()));
    });
  });

  describe('request rate, pending messages and heartbeat', () => {
    let server: ServerProcess;
    beforeAll(async () => {
      server = await startServerProcess({
        env: {
          DATA_DIR: 'memory://',
          RATE_LIMIT_PER_SECOND: '5',
          RATE_LIMIT_BURST: '10',
          MAX_PENDING_MESSAGES: '2',
          // Pings every 200 ms; a second without a pong is generous enough that a busy CI machine
          // does not drop the client that answers.
          HEARTBEAT_INTERVAL_MS: '200',
          HEARTBEAT_TIMEOUT_MS: '1000',
        },
      });
    });
    afterAll(() => server.stop());

    it('answers messages past the rate with RATE_LIMITED naming each one', async () => {
      const client = await TestClient.connect(server.wsUrl);
      const sent = Array.from({ length: 15 }, () => client.send('PING', {}));
      await client.waitFor(() => client.messages.filter((m) => m.type === 'PONG' || m.type === 'ERROR').length === 15);
      const limited = client.messages.filter((m) => m.type === 'ERROR' && m.payload.code === 'RATE_LIMITED');
      expect(client.messages.filter((m) => m.type === 'PONG').length).toBeGreaterThanOrEqual(10);
      expect(limited.length).toBeGreaterThanOrEqual(4);
      for (const m of limited) expect(sent).toContain((m.payload as { sequenceNumber: number }).sequenceNumber);
      // Never silent: counted by limit, and said in a warn line naming the setting.
      expect(await metricValue(server.url, 'staff_sync_rate_limited_total', { limit: 'rate' })).toBeGreaterThanOrEqual(
        limited.length,
      );
      const line = server
        .output()
        .split('\n')
        .find((l) => l.includes('"limit":"rate"'));
      expect(line && JSON.parse(line)).toMatchObject({
        level: 40,
        limit: 'rate',
        setting: expect.stringContaining('RATE_LIMIT_PER_SECOND'),
      });
      await client.close();
    });

    it('takes a token for every frame, invalid ones too, and answers those with their own error', async () => {
      const client = await TestClient.connect(server.wsUrl); // a new connection: a full bucket of 10
      for (let i = 0; i < 10; i++) client.sendRaw('{');
      const pings = Array.from({ length: 10 }, () => client.send('PING', {}));
      const answered = () => client.messages.filter((m) => m.type === 'ERROR' || m.type === 'PONG');
      await client.waitFor(() => answered().length === 20);
      const errors = answered().flatMap((m) => (m.type === 'ERROR' ? [m.payload] : []));
      expect(errors.filter((e) => e.code === 'INVALID_JSON')).toHaveLength(10);
      // Ten garbage frames spent the burst: pings past the refill are refused, each named.
      const limited = errors.filter((e) => e.code === 'RATE_LIMITED');
      expect(limited.length).toBeGreaterThan(0);
      for (const e of limited) expect(pings).toContain(e.sequenceNumber);
      await client.close();
    });

    it('refuses messages past the pending limit, writing nothing for them', async () => {
      await new Promise((r) => setTimeout(r, 2100)); // refill the bucket
      const client = await TestClient.connect(server.wsUrl);
      const sent = Array.from({ length: 8 }, (_, i) => client.send('STAFF_CREATE', { name: `p${i}`, position: 'x' }));
      const replies = await Promise.all(sent.map((n) => client.reply(n)));
      const acked = replies.filter((r) => r.type === 'ACK').length;
      const refused = replies.filter((r) => r.type === 'ERROR' && r.payload.code === 'RATE_LIMITED').length;
      expect(acked + refused).toBe(8);
      expect(refused).toBeGreaterThan(0);
      expect(server.output()).toContain('"limit":"pending"');
      const snapshot = await client.sync();
      expect(snapshot.payload.full && snapshot.payload.staffMembers.length).toBe(acked);
      await client.close();
    });

    it('drops a connection that does not answer pings, keeps one that does', async () => {
      const silent = new WebSocket(server.wsUrl, 'staff-sync.v1', { autoPong: false });
      const alive = await TestClient.connect(server.wsUrl);
      let pings = 0;
      alive.ws.on('ping', () => pings++);
      const closed = new Promise<number>((resolve) => silent.once('close', (code) => resolve(code)));
      const started = Date.now();
      expect(await closed).toBe(1006); // terminated, no close frame
      expect(Date.now() - started).toBeLessThan(5000);
      expect(
        await metricValue(server.url, 'staff_sync_connections_closed_total', { reason: 'heartbeat' }),
      ).toBeGreaterThanOrEqual(1);
      // Several ping rounds later (counted, not waited for), the one that answers is still open.
      const from = pings;
      await until(() => pings >= from + 3 || alive.ws.readyState !== WebSocket.OPEN, 20_000, 'three more ping rounds');
      expect(alive.ws.readyState).toBe(WebSocket.OPEN);
      await alive.close();
    });
  });
});

import { randomUUID } from 'node:crypto';
import type { ServerMessage } from '@staff-sync/protocol';
import { metricValue } from '@staff-sync/test-support/metrics';
import { type ServerProcess, startServerProcess } from '@staff-sync/test-support/server-process';
import { createTestDatabase, postgresAvailable, REDIS_TEST_URL, redisAvailable } from '@staff-sync/test-support/services';
import { TestClient } from '@staff-sync/test-support/ws-client';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ready = (await postgresAvailable()) && (await redisAvailable());
const PRESENCE_TTL_MS = 2000;
const USER_BURST = 10;

type Presence = Extract<ServerMessage, { type: 'PRESENCE' }>;
const isPresence = (m: ServerMessage): m is Presence => m.type === 'PRESENCE';

/** The first PRESENCE received after `from` messages that satisfies `check`. */
function presenceAfter(client: TestClient, from: number, check: (editors: Presence['payload']['editors']) => boolean) {
  return client.waitFor<Presence>((m) => isPresence(m) && client.messages.indexOf(m) >= from && check(m.payload.editors), 10_000);
}

/** Three replicas on one database sharing presence and per-user rate limits through Redis. */
describe.skipIf(!ready)('replicas sharing Redis', () => {
  const prefix = `staff-sync-test-${randomUUID().slice(0, 8)}:`;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let replicas: ServerProcess[] = [];
  let redis: Redis;

  beforeAll(async () => {
    database = await createTestDatabase('redis');
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: REDIS_TEST_URL,
      REDIS_KEY_PREFIX: prefix,
      PRESENCE_TTL_MS: String(PRESENCE_TTL_MS),
      PRESENCE_LEASE_MS: '1000',
      USER_RATE_LIMIT_PER_SECOND: '1',
      USER_RATE_LIMIT_BURST: String(USER_BURST),
    };
    const first = await startServerProcess({ env });
    replicas = [first, ...(await Promise.all([startServerProcess({ env }), startServerProcess({ env })]))];
    redis = new Redis(REDIS_TEST_URL);
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await database?.drop();
  });

  it('a presence change on one replica reaches the PRESENCE lists of clients on every replica', async () => {
    const [r1, r2, r3] = replicas as [ServerProcess, ServerProcess, ServerProcess];
    const a = await TestClient.connect(r1.wsUrl);
    const b = await TestClient.connect(r2.wsUrl);
    await Promise.all([a.sync(), b.sync()]);
    const staffId = randomUUID();
    a.send('PRESENCE_SET', { staffId, userName: '佐藤' });
    const seen = await presenceAfter(b, 0, (e) => e.some((x) => x.clientId === a.clientId && x.staffId === staffId));
    expect(seen.payload.editors).toEqual([{ clientId: a.clientId, userName: '佐藤', staffId }]);
    // A client connecting to a third replica is told at once.
    const c = await TestClient.connect(r3.wsUrl);
    await presenceAfter(c, 0, (e) => e.some((x) => x.clientId === a.clientId));
    // Entries and their expiry index live under the prefix and expire when unused;
    // an empty list leaves no key.
    const keys = await redis.keys(`${prefix}presence*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(await redis.pttl(key)).toBeGreaterThan(0);
    // Clearing it (or closing the connection) empties every list.
    a.send('PRESENCE_SET', { staffId: null });
    await presenceAfter(b, 0, (e) => e.length === 0);
    await presenceAfter(c, 0, (e) => e.length === 0);
    expect(await redis.keys(`${prefix}presence*`)).toEqual([]);
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it("a replica that dies takes its clients' presence with it within seconds", async () => {
    const [r1, , r3] = replicas as [ServerProcess, ServerProcess, ServerProcess];
    const watcher = await TestClient.connect(r1.wsUrl);
    const doomed = await TestClient.connect(r3.wsUrl);
    await Promise.all([watcher.sync(), doomed.sync()]);
    doomed.send('PRESENCE_SET', { staffId: randomUUID(), userName: '鈴木' });
    await presenceAfter(watcher, 0, (e) => e.some((x) => x.clientId === doomed.clientId));
    const from = watcher.messages.length;
    const killedAt = Date.now();
    await r3.stop('SIGKILL'); // no chance to remove its entries
    await presenceAfter(watcher, from, (e) => !e.some((x) => x.clientId === doomed.clientId));
    const gone = Date.now() - killedAt;
    // Expiry (PRESENCE_TTL_MS) plus one renewal period (a third of it) plus the broadcast delay.
    expect(gone).toBeLessThan(PRESENCE_TTL_MS + PRESENCE_TTL_MS / 3 + 1500);
    console.info(`[redis] presence of a SIGKILLed replica's client gone after ${gone} ms (PRESENCE_TTL_MS ${PRESENCE_TTL_MS})`);
    await watcher.close();
  });

  it('presence set over HTTP holds while renewed on any replica, then runs out', async () => {
    const [r1, r2] = replicas as [ServerProcess, ServerProcess];
    const watcher = await TestClient.connect(r2.wsUrl);
    await watcher.sync();
    const clientId = `http-${randomUUID()}`;
    const staffId = randomUUID();
    let n = 0;
    // Renewed every 600 ms, each time through another replica (nginx spreads requests so).
    const put = (replica: ServerProcess) =>
      fetch(`${replica.url}/api/v1/presence`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': `${clientId}:${++n}` },
        body: JSON.stringify({ staffId, userName: '山本' }),
      }).then((r) => expect(r.status).toBe(200));
    const named = (e: Presence['payload']['editors']) => e.some((x) => x.clientId === clientId && x.staffId === staffId);
    await put(r1);
    const shown = await presenceAfter(watcher, 0, named);
    const from = watcher.messages.indexOf(shown) + 1;
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 600));
      await put(i % 2 === 0 ? r2 : r1);
    }
    // One replica's lease ran out meanwhile; the other's renewal kept the entry: no gap, up to a
    // sentinel (the watcher's own presence, set after the last renewal).
    const marker = randomUUID();
    const beforeSentinel = watcher.messages.length;
    watcher.send('PRESENCE_SET', { staffId: marker });
    const sentinel = await presenceAfter(watcher, beforeSentinel, (e) => e.some((x) => x.staffId === marker));
    expect(
      watcher.messages
        .slice(from, watcher.messages.indexOf(sentinel))
        .filter(isPresence)
        .every((m) => named(m.payload.editors)),
    ).toBe(true);
    expect(named(sentinel.payload.editors)).toBe(true);
    watcher.send('PRESENCE_SET', { staffId: null });
    const stopped = watcher.messages.length;
    await presenceAfter(watcher, stopped, (e) => !named(e));
    await watcher.close();
  });

  it('per-user rate limits hold across replicas', async () => {
    const [r1, r2] = replicas as [ServerProcess, ServerProcess];
    const limitedBefore =
      (await metricValue(r1.url, 'staff_sync_rate_limited_total', { limit: 'user' })) +
      (await metricValue(r2.url, 'staff_sync_rate_limited_total', { limit: 'user' }));
    // One user (sign-in off: one client instance) on two replicas, 7 requests on each: 14 > the burst of 10.
    const clientId = randomUUID();
    const x = await TestClient.connect(r1.wsUrl, { clientId });
    const y = await TestClient.connect(r2.wsUrl, { clientId });
    for (let i = 0; i < 7; i++) {
      x.send('SYNC_REQUEST', {});
      y.send('SYNC_REQUEST', {});
    }
    const answered = (c: TestClient) =>
      c.messages.filter((m) => m.type === 'SYNC_RESPONSE' || (m.type === 'ERROR' && m.payload.code === 'RATE_LIMITED')).length;
    await x.waitFor(() => answered(x) === 7);
    await y.waitFor(() => answered(y) === 7);
    const limited = [x, y].flatMap((c) => c.messages.filter((m) => m.type === 'ERROR' && m.payload.code === 'RATE_LIMITED'));
    // 14 - 10 = 4, less what refilled (1 per second) while they were answered. Either replica alone
    // saw only 7, within the burst: only a shared budget refuses any.
    expect(limited.length).toBeGreaterThanOrEqual(3);
    expect(limited.length).toBeLessThanOrEqual(4);
    const limitedAfter =
      (await metricValue(r1.url, 'staff_sync_rate_limited_total', { limit: 'user' })) +
      (await metricValue(r2.url, 'staff_sync_rate_limited_total', { limit: 'user' }));
    expect(limitedAfter - limitedBefore).toBe(limited.length);

    // The same budget holds over the HTTP API: 7 WebSocket messages on one replica and 7 requests
    // (presence, which names the client) on another.
    const httpUser = randomUUID();
    const ws = await TestClient.connect(r1.wsUrl, { clientId: httpUser });
    for (let i = 0; i < 7; i++) ws.send('SYNC_REQUEST', {});
    await ws.waitFor(() => answered(ws) === 7);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const response = await fetch(`${r2.url}/api/v1/presence`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json', 'Idempotency-Key': `${httpUser}:${100 + i}` },
        body: JSON.stringify({ staffId: null }),
      });
      statuses.push(response.status);
    }
    const refused = ws.messages.filter((m) => m.type === 'ERROR' && m.payload.code === 'RATE_LIMITED').length;
    const refusedOverHttp = statuses.filter((s) => s === 429).length;
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    // Either transport alone stayed within the burst: any refusal shows one budget (4 at most).
    expect(refused + refusedOverHttp).toBeGreaterThanOrEqual(1);
    expect(refused + refusedOverHttp).toBeLessThanOrEqual(4);
    await ws.close();

    // Another user on the same replicas has a budget of its own.
    const other = await TestClient.connect(r1.wsUrl);
    for (let i = 0; i < 7; i++) other.send('SYNC_REQUEST', {});
    await other.waitFor(() => answered(other) === 7);
    expect(other.messages.filter((m) => m.type === 'ERROR')).toEqual([]);
    await Promise.all([x.close(), y.close(), other.close()]);
  });
});

import { createServer } from 'node:net';
import {
  Backoff,
  type ConnectionState,
  manualSignal,
  type StaffSyncClient,
  type StateChange,
  type TransportCallbacks,
  type TransportFactory,
  webSocketTransport,
} from '@staff-sync/client';
import { CloseCode } from '@staff-sync/protocol';
import { clientFor, newTab, snapshotWhere, startServerProcess, until } from '@staff-sync/test-support/client';
import type { ServerProcess } from '@staff-sync/test-support/server-process';
import { hs256Token, TEST_JWT_SECRET } from '@staff-sync/test-support/tokens';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { manualClock } from './unit/manual-clock.ts';

/** A port nothing listens on: connections are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Counts opens of the real WebSocket transport. */
function countingWebSocket(): { factory: TransportFactory; opens: () => number; closes: () => number } {
  let opens = 0;
  let closes = 0;
  return {
    opens: () => opens,
    closes: () => closes,
    factory: (options) => {
      opens++;
      const onClose = options.callbacks.onClose;
      return webSocketTransport({
        ...options,
        callbacks: {
          ...options.callbacks,
          onClose: (info) => {
            closes++;
            onClose(info);
          },
        },
      });
    },
  };
}

describe('backoff', () => {
  it('grows by 1.5 from 1 s with full jitter, capped, and stops after maxAttempts', () => {
    const backoff = new Backoff({ random: () => 0.5, maxMs: 4000, maxAttempts: 6 });
    const delays = Array.from({ length: 7 }, () => backoff.next());
    expect(delays).toEqual([500, 750, 1125, 1687, 2000, 2000, undefined]);
    backoff.reset();
    expect(backoff.next()).toBe(500);
    // Full jitter: anywhere from 0 up to the ceiling.
    expect(new Backoff({ random: () => 0 }).next()).toBe(0);
    expect(new Backoff({ random: () => 0.999 }).next()).toBe(999);
  });
});

describe('connection state machine', () => {
  const clients: StaffSyncClient[] = [];
  let server: ServerProcess | undefined;
  afterEach(() => {
    for (const c of clients.splice(0)) c.dispose();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('waits the backoff between attempts (injected clock and random) and gives up after maxAttempts', async () => {
    const clock = manualClock();
    const port = await closedPort();
    const counting = countingWebSocket();
    const client = clientFor(
      `ws://127.0.0.1:${port}/staff-sync`,
      newTab(),
      {
        clock,
        transports: ['websocket'],
        transportFactories: { websocket: counting.factory },
        backoff: { random: () => 0.5, maxAttempts: 4 },
      },
      clients,
    );
    const states: StateChange[] = [];
    client.on('state', (change) => states.push(change));
    client.connect();
    for (const expected of [500, 750, 1125, 1687]) {
      await until(() => clock.timers.size === 1, 10_000, `a retry timer of ${expected} ms`);
      expect([...clock.timers.values()][0]?.ms).toBe(expected);
      // Nothing happens before the delay is over.
      const opens = counting.opens();
      clock.advance(expected - 1);
      expect(counting.opens()).toBe(opens);
      clock.advance(1);
      expect(counting.opens()).toBe(opens + 1);
    }
    const gaveUp = await snapshotWhere(client, (s) => s.status === 'disconnected');
    expect(gaveUp.lastError).toMatchObject({ code: 'GAVE_UP' });
    expect(counting.opens()).toBe(5);
    expect(states).toEqual([
      { oldState: 'disconnected', newState: 'connecting' },
      { oldState: 'connecting', newState: 'disconnected' },
    ]);
  });

  it('tries again at once when the browser comes online or the tab becomes visible', async () => {
    const clock = manualClock();
    const port = await closedPort();
    const online = manualSignal(false);
    const visibility = manualSignal(true);
    const counting = countingWebSocket();
    const client = clientFor(
      `ws://127.0.0.1:${port}/staff-sync`,
      newTab(),
      { clock, online, visibility, transports: ['websocket'], transportFactories: { websocket: counting.factory } },
      clients,
    );
    client.connect();
    await until(() => counting.opens() === 1);
    // The attempt has failed and the client has decided what next (it decides in the close callback).
    await until(() => counting.closes() === 1, 10_000, 'the failed attempt');
    // Offline: no timer, no attempt, however long we wait.
    expect(clock.timers.size).toBe(0);
    clock.advance(60_000);
    expect(counting.opens()).toBe(1);
    online.set(true);
    expect(counting.opens()).toBe(2);
    await until(() => clock.timers.size === 1, 10_000, 'a retry timer');
    visibility.set(false);
    visibility.set(true);
    expect(counting.opens()).toBe(3);
  });

  it('ignores the callbacks of a superseded transport', async () => {
    const made: TransportCallbacks[] = [];
    const fake: TransportFactory = (options) => {
      made.push(options.callbacks);
      return { kind: 'websocket', open: () => {}, send: () => {}, close: () => {} };
    };
    const client = clientFor(
      'ws://127.0.0.1:1/staff-sync',
      newTab(),
      { transports: ['websocket'], transportFactories: { websocket: fake } },
      clients,
    );
    client.connect();
    await until(() => made.length === 1);
    client.disconnect();
    client.connect();
    await until(() => made.length === 2);
    const [old, current] = made as [TransportCallbacks, TransportCallbacks];
    current.onOpen();
    expect(client.getSnapshot().status).toBe('connected');
    old.onClose({ code: 1006, reason: 'late', wasOpen: true });
    old.onFrame(JSON.stringify({ type: 'HELLO' }));
    expect(client.getSnapshot().status).toBe('connected');
    current.onClose({ code: 1006, reason: 'now', wasOpen: true });
    expect(client.getSnapshot().status).toBe('reconnecting');
  });

  it('goes connecting -> connected -> reconnecting -> connected across a server restart', async () => {
    server = await startServerProcess();
    const client = clientFor(server.wsUrl, newTab(), {}, clients);
    const states: ConnectionState[] = [];
    client.on('state', ({ newState }) => states.push(newState));
    client.connect();
    await snapshotWhere(client, (s) => s.status === 'connected' && s.synced);
    const { port, dataDir } = server;
    await server.stop();
    await snapshotWhere(client, (s) => s.status === 'reconnecting');
    server = await startServerProcess({ port, dataDir });
    await snapshotWhere(client, (s) => s.status === 'connected', 20_000);
    expect(states.slice(0, 3)).toEqual(['connecting', 'connected', 'reconnecting']);
    expect(states.at(-1)).toBe('connected');
    expect(client.getSnapshot().transport).toBe('websocket');
  });

  it('asks the app for a fresh token when the server closes with 4001 (token expired)', async () => {
    // Heartbeats far apart, so that a slow machine's missed pong cannot pass for the expiry.
    const signedIn = await startServerProcess({ env: { AUTH_JWT_SECRET: TEST_JWT_SECRET, HEARTBEAT_INTERVAL_MS: '60000' } });
    try {
      const reasons: string[] = [];
      const closes: number[] = [];
      const restaurant = '00000000-0000-0000-0000-000000000001';
      const client = clientFor(
        signedIn.wsUrl,
        newTab(),
        {
          getToken: async ({ reason }) => {
            reasons.push(reason);
            // A token asked for at connect runs out in a second or two (exp is in whole seconds);
            // the fresh one asked for after the expiry lasts.
            return hs256Token({ restaurant, role: 'editor', expiresIn: reason === 'expired' ? 3600 : 2 });
          },
          // The real WebSocket transport, with its closes recorded.
          transportFactories: {
            websocket: (options) =>
              webSocketTransport({
                ...options,
                callbacks: {
                  ...options.callbacks,
                  onClose: (info) => {
                    closes.push(info.code);
                    options.callbacks.onClose(info);
                  },
                },
              }),
          },
        },
        clients,
      );
      client.connect();
      await snapshotWhere(client, (s) => s.status === 'connected' && s.synced);
      await until(() => reasons.includes('expired'), 15_000, 'a getToken for an expired token');
      expect(reasons[0]).toBe('connect');
      expect(closes).toContain(CloseCode.TOKEN_EXPIRED);
      await snapshotWhere(client, (s) => s.status === 'connected');
      await expect(client.addStaff({ name: 'With a fresh token', position: 'x' })).resolves.toMatchObject({ version: 1 });

      // A sign-in that may only read gets a clear FORBIDDEN, and the optimistic member goes away.
      const viewer = clientFor(signedIn.wsUrl, newTab(), { getToken: () => hs256Token({ restaurant, role: 'viewer' }) }, clients);
      viewer.connect();
      await snapshotWhere(viewer, (s) => s.synced && s.role === 'viewer');
      await expect(viewer.addStaff({ name: 'Not allowed', position: 'x' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
      const after = viewer.getSnapshot();
      expect(after.members.some((m) => m.name === 'Not allowed')).toBe(false);
      expect(after.lastError).toMatchObject({ code: 'FORBIDDEN' });
    } finally {
      await signedIn.stop();
    }
  });
});

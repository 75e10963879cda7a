import { type StaffSyncClient, type TransportFactory, webSocketTransport } from '@staff-sync/client';
import type { ChangeEvent } from '@staff-sync/protocol';
import { clientFor, newTab, quietLogger, snapshotWhere, startServerProcess, TestClient } from '@staff-sync/test-support/client';
import type { ServerProcess } from '@staff-sync/test-support/server-process';
import { type SilentProxy, silentProxy } from '@staff-sync/test-support/silent-proxy';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from './unit/manual-clock.ts';

/** The real WebSocket transport, recording the type of every message the client sends. */
function recordingWebSocket(sent: string[]): TransportFactory {
  return (options) => {
    const transport = webSocketTransport(options);
    return {
      ...transport,
      send(message) {
        sent.push(message.type);
        transport.send(message);
      },
    };
  };
}

/**
 * A connection that goes silent without closing, for real (a TCP proxy that stops forwarding),
 * under a change: the unanswered change makes the client PING at once, and without a PONG it
 * reconnects and delivers the change. The client's clock is the test's, so no wait is timed.
 */
describe('a half-open connection under an unanswered change', () => {
  let server: ServerProcess;
  let proxy: SilentProxy;
  const clients: StaffSyncClient[] = [];

  beforeAll(async () => {
    server = await startServerProcess();
    proxy = await silentProxy(server.url);
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.dispose();
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
  });

  it('PINGs probeAfterMs after the change, reconnects probeTimeoutMs later, and the change arrives once', async () => {
    const clock = manualClock();
    const sent: string[] = [];
    const logger = quietLogger();
    const client = clientFor(
      `${proxy.url.replace('http', 'ws')}/staff-sync`,
      newTab(),
      // The heartbeat alone would take 25 s + 10 s; it never fires on this clock within the test.
      { clock, logger, probeAfterMs: 3000, probeTimeoutMs: 2000, transportFactories: { websocket: recordingWebSocket(sent) } },
      clients,
    );
    client.connect();
    await snapshotWhere(client, (s) => s.synced && s.status === 'connected');
    const { staffId } = await client.addStaff({ name: '半開 太郎', position: '調理' });

    proxy.silence();
    const saved = client.updateStaff(staffId, { position: '料理長' });
    expect(sent.at(-1)).toBe('STAFF_UPDATE');
    clock.advance(2999);
    expect(sent.at(-1)).toBe('STAFF_UPDATE');
    clock.advance(1);
    expect(sent.at(-1)).toBe('PING');
    clock.advance(1999);
    expect(client.getSnapshot().status).toBe('connected');
    clock.advance(1);
    expect(client.getSnapshot().status).toBe('reconnecting');
    expect(logger.lines).toEqual([
      'staff-sync: a change went unanswered for 3000 ms, and a PING went unanswered for 2000 ms; reconnecting',
    ]);

    // The reconnect waits its backoff (this clock's), then opens a fresh connection through the proxy.
    clock.advance(1000);
    await snapshotWhere(client, (s) => s.status === 'connected' && s.pendingCount === 0);
    await expect(saved).resolves.toMatchObject({ staffId, version: 2, duplicate: false });
    expect(proxy.webSockets).toBe(2);

    const observer = await TestClient.connect(server.wsUrl);
    try {
      const response = await observer.sync({ sinceSeq: 0 });
      if (response.payload.full) throw new Error('expected the change log');
      const updates = (response.payload.changes as ChangeEvent[]).filter(
        (c) => c.type === 'STAFF_UPDATE' && c.payload.staffId === staffId,
      );
      expect(updates.map((c) => c.payload.changes)).toEqual([{ position: '料理長' }]);
    } finally {
      await observer.close();
    }
  });

  it('keeps a live connection whose answer is merely slow: the PONG answers the probe', async () => {
    const clock = manualClock();
    const sent: string[] = [];
    const logger = quietLogger();
    const client = clientFor(
      server.wsUrl,
      newTab(),
      { clock, logger, probeAfterMs: 3000, probeTimeoutMs: 2000, transportFactories: { websocket: recordingWebSocket(sent) } },
      clients,
    );
    client.connect();
    await snapshotWhere(client, (s) => s.synced && s.status === 'connected');
    // The answer cannot have been read yet when this clock says 3 s passed: the client probes.
    const saved = client.addStaff({ name: '遅延 花子', position: 'ホール' });
    clock.advance(3000);
    expect(sent.slice(-2)).toEqual(['STAFF_CREATE', 'PING']);
    await saved;
    // The server answers a PING at once, in order with what it sends on this socket: once the
    // ACK of a change sent after the PING is here, so is the PONG.
    await client.addStaff({ name: '後 一郎', position: 'ホール' });
    clock.advance(2000);
    expect(client.getSnapshot().status).toBe('connected');
    expect(logger.lines).toEqual([]);
  });
});

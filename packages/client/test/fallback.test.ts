import { type StaffSyncClient, type TransportFactory, webSocketTransport } from '@staff-sync/client';
import { clientFor, newTab, snapshotWhere, startServerProcess, TestClient } from '@staff-sync/test-support/client';
import type { ServerProcess } from '@staff-sync/test-support/server-process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** A proxy that refuses WebSocket upgrades while `blocked` (the real transport otherwise). */
function blockable(): { factory: TransportFactory; block: (value: boolean) => void } {
  let blocked = true;
  return {
    block: (value) => {
      blocked = value;
    },
    factory: (options) => {
      if (!blocked) return webSocketTransport(options);
      return {
        kind: 'websocket',
        open: () => setTimeout(() => options.callbacks.onClose({ code: 1006, reason: 'upgrade refused', wasOpen: false }), 5),
        send: () => {
          throw new Error('not open');
        },
        close: () => {},
      };
    },
  };
}

describe('HTTP fallback', () => {
  let server: ServerProcess;
  const clients: StaffSyncClient[] = [];
  beforeAll(async () => {
    server = await startServerProcess();
  });
  afterAll(async () => {
    for (const c of clients) c.dispose();
    await server.stop();
  });

  it('works over HTTP when WebSockets cannot open, and moves back to a WebSocket when they can', async () => {
    const proxy = blockable();
    const client = clientFor(
      server.wsUrl,
      newTab(),
      { transportFactories: { websocket: proxy.factory }, upgradeRetryMs: 300 },
      clients,
    );
    client.connect();
    await snapshotWhere(client, (s) => s.status === 'connected' && s.transport === 'http' && s.synced);

    // Mutations and change events with the same meaning as over the WebSocket.
    const mine = await client.addStaff({ name: 'Over HTTP', position: 'x' });
    expect(mine.version).toBe(1);
    const writer = await TestClient.connect(server.wsUrl);
    const theirs = await writer.request('STAFF_CREATE', { name: 'From a WebSocket', position: 'x' });
    if (theirs.type !== 'ACK') throw new Error(JSON.stringify(theirs));
    await snapshotWhere(client, (s) => s.members.some((m) => m.id === theirs.payload.staffId));
    await expect(client.updateStaff(theirs.payload.staffId, { position: 'y' })).resolves.toMatchObject({ version: 2 });

    proxy.block(false);
    await snapshotWhere(client, (s) => s.status === 'connected' && s.transport === 'websocket', 15_000, 'the move back');
    // Nothing missed across the move: a change right after arrives on the WebSocket.
    const later = await writer.request('STAFF_UPDATE', { staffId: mine.staffId, changes: { name: 'After the move' } });
    if (later.type !== 'ACK') throw new Error(JSON.stringify(later));
    const after = await snapshotWhere(client, (s) => s.seq === later.payload.seq);
    expect(after.members.find((m) => m.id === mine.staffId)?.name).toBe('After the move');
    expect(after.pendingCount).toBe(0);
    await writer.close();
  });
});

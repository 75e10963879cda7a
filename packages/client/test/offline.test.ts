import type { MutationResult, StaffSyncClient } from '@staff-sync/client';
import type { ChangeEvent } from '@staff-sync/protocol';
import { clientFor, newTab, snapshotWhere, startServerProcess, TestClient } from '@staff-sync/test-support/client';
import type { ServerProcess } from '@staff-sync/test-support/server-process';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The server goes away with the client holding edits: 200 mutations made while it is down are
 * applied exactly once, in the order they were made, after it comes back on the same data.
 */
describe('nothing lost offline', () => {
  let server: ServerProcess | undefined;
  const clients: StaffSyncClient[] = [];
  afterAll(async () => {
    for (const c of clients) c.dispose();
    await server?.stop();
  });

  it('applies 200 mutations queued while the server was stopped exactly once, in order, after a restart', async () => {
    server = await startServerProcess();
    const { port, dataDir } = server;
    const client = clientFor(server.wsUrl, newTab(), { maxPending: 500 }, clients);
    client.connect();
    await snapshotWhere(client, (s) => s.synced && s.status === 'connected');
    const anchor = await client.addStaff({ name: 'Anchor', position: 'x' });

    await server.stop();
    await snapshotWhere(client, (s) => s.status !== 'connected', 15_000, 'the client to notice');

    // Half creates (independent), half updates of one member (each must follow the one before).
    const made: { kind: 'create' | 'update'; value: string; result: Promise<MutationResult> }[] = [];
    for (let i = 1; i <= 200; i++) {
      if (i % 2) {
        made.push({ kind: 'create', value: `Offline ${i}`, result: client.addStaff({ name: `Offline ${i}`, position: 'x' }) });
      } else {
        made.push({ kind: 'update', value: `pos ${i}`, result: client.updateStaff(anchor.staffId, { position: `pos ${i}` }) });
      }
    }
    expect(client.getSnapshot().pendingCount).toBe(200);
    const shown = client.getSnapshot().members;
    expect(shown.filter((m) => m.name.startsWith('Offline '))).toHaveLength(100);
    expect(shown.find((m) => m.id === anchor.staffId)?.position).toBe('pos 200');

    server = await startServerProcess({ port, dataDir });
    const results = await Promise.all(made.map((m) => m.result));
    await snapshotWhere(client, (s) => s.pendingCount === 0 && s.status === 'connected');
    expect(results.every((r) => !r.duplicate)).toBe(true);

    // What the server committed, read back from its change log by a separate connection.
    const observer = await TestClient.connect(server.wsUrl);
    const delta = await observer.sync({ sinceSeq: anchor.seq });
    await observer.close();
    if (delta.payload.full) throw new Error('expected a delta');
    const ours = (delta.payload.changes as ChangeEvent[]).filter((c) => c.clientId === client.clientId);
    expect(ours).toHaveLength(200);
    // In the order they were made: sequenceNumbers and seqs grow together.
    const numbers = ours.map((c) => c.sequenceNumber);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(ours.map((c) => (c.type === 'STAFF_CREATE' ? c.payload.staff?.name : c.payload.staff?.position))).toEqual(
      made.map((m) => m.value),
    );
    // Exactly once: every update bumped the version by one, and each create made one member.
    expect(ours.filter((c) => c.type === 'STAFF_UPDATE').map((c) => c.payload.version)).toEqual(
      Array.from({ length: 100 }, (_, i) => i + 2),
    );
    const final = client.getSnapshot().members;
    expect(final.filter((m) => m.name.startsWith('Offline '))).toHaveLength(100);
    expect(final.find((m) => m.id === anchor.staffId)).toMatchObject({ position: 'pos 200', version: 101 });
  }, 120_000);
});

import { randomUUID } from 'node:crypto';
import { httpUrlFor, type StaffSyncClient } from '@staff-sync/client';
import type { ServerMessage } from '@staff-sync/protocol';
import { clientFor, newTab, snapshotWhere, startServerProcess, TestClient } from '@staff-sync/test-support/client';
import { metricValue } from '@staff-sync/test-support/metrics';
import type { ServerProcess } from '@staff-sync/test-support/server-process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

type Presence = Extract<ServerMessage, { type: 'PRESENCE' }>;

/** Presence from a client on the HTTP fallback: a lease the client renews while the person edits. */
describe('presence over HTTP (PUT /api/v1/presence)', () => {
  let server: ServerProcess;
  let clients: StaffSyncClient[] = [];
  let watcher: TestClient;
  // Long beside the 250 ms renewals, so a stalled test process on a busy machine does not lose the lease.
  const LEASE_MS = 2000;

  beforeAll(async () => {
    server = await startServerProcess({ env: { PRESENCE_LEASE_MS: String(LEASE_MS) } });
    watcher = await TestClient.connect(server.wsUrl);
    await watcher.sync();
  });
  afterEach(() => {
    for (const c of clients) c.dispose();
    clients = [];
  });
  afterAll(async () => {
    await watcher.close();
    await server.stop();
  });

  const editing = (m: ServerMessage, clientId: string, staffId: string) =>
    m.type === 'PRESENCE' && m.payload.editors.some((e) => e.clientId === clientId && e.staffId === staffId);
  /** The PRESENCE messages the watcher got from index `from` up to (not including) index `to`. */
  const presenceSince = (from: number, to?: number) =>
    watcher.messages.slice(from, to).filter((m): m is Presence => m.type === 'PRESENCE');
  /** The watcher names a member of its own (and then none); the index of the PRESENCE naming it. */
  const sentinelPresence = async (): Promise<number> => {
    const marker = randomUUID();
    const from = watcher.messages.length;
    watcher.send('PRESENCE_SET', { staffId: marker, userName: 'sentinel' });
    const shown = await watcher.waitFor((m) => watcher.messages.indexOf(m) >= from && editing(m, watcher.clientId, marker));
    const at = watcher.messages.indexOf(shown);
    watcher.send('PRESENCE_SET', { staffId: null });
    await watcher.waitFor(
      (m) => watcher.messages.indexOf(m) > at && m.type === 'PRESENCE' && !editing(m, watcher.clientId, marker),
    );
    return at;
  };

  it('lasts while the client renews it, goes with setEditing(null), and runs out when the client is gone', async () => {
    const client = clientFor(
      server.wsUrl,
      newTab(),
      { transports: ['http'], presenceRenewMs: 250, userName: 'HTTP の人' },
      clients,
    );
    client.connect();
    await snapshotWhere(client, (s) => s.synced && s.transport === 'http');
    const staffId = randomUUID();
    client.setEditing(staffId);
    const shown = await watcher.waitFor<Presence>((m) => editing(m, client.clientId, staffId));
    expect(shown.payload.editors).toContainEqual({ clientId: client.clientId, staffId, userName: 'HTTP の人' });

    // Two leases later it is still there: every PRESENCE since names it, up to a sentinel (the
    // watcher's own presence) sent after the two leases, so a late expiry would be seen before it.
    const from = watcher.messages.indexOf(shown) + 1;
    await new Promise((r) => setTimeout(r, LEASE_MS * 2)); // time for a lease to run out, were it not renewed
    const sentinel = await sentinelPresence();
    expect(presenceSince(from, sentinel).every((m) => editing(m, client.clientId, staffId))).toBe(true);
    expect(await metricValue(server.url, 'http_api_presence_leases')).toBe(1);

    const beforeNull = watcher.messages.length;
    client.setEditing(null);
    await watcher.waitFor(
      (m) => watcher.messages.indexOf(m) >= beforeNull && m.type === 'PRESENCE' && !editing(m, client.clientId, staffId),
    );
    expect(await metricValue(server.url, 'http_api_presence_leases')).toBe(0);

    // A client that goes away without a word (a closed tab): the lease runs out.
    const other = randomUUID();
    client.setEditing(other);
    await watcher.waitFor((m) => editing(m, client.clientId, other));
    const beforeGone = watcher.messages.length;
    client.dispose();
    await watcher.waitFor(
      (m) => watcher.messages.indexOf(m) >= beforeGone && m.type === 'PRESENCE' && !editing(m, client.clientId, other),
      LEASE_MS * 5,
    );
  });

  it('refuses a PUT without an Idempotency-Key or with a bad body, and other methods, changing nothing', async () => {
    const url = `${httpUrlFor(server.wsUrl)}/presence`;
    const json = { 'Content-Type': 'application/json' };
    const noKey = await fetch(url, { method: 'PUT', headers: json, body: JSON.stringify({ staffId: randomUUID() }) });
    expect(noKey.status).toBe(400);
    const badBody = await fetch(url, {
      method: 'PUT',
      headers: { ...json, 'Idempotency-Key': 'someone:1' },
      body: JSON.stringify({ staffId: 'not a uuid' }),
    });
    expect(badBody.status).toBe(400);
    expect(await badBody.json()).toMatchObject({ type: 'ERROR', payload: { code: 'VALIDATION_FAILED' } });
    const get = await fetch(url);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('PUT');
    const from = watcher.messages.length;
    // A sentinel: the watcher's own presence after the refused requests. PRESENCE goes out in the
    // order the changes were made, so one from a refused request would arrive before it.
    const sentinel = await sentinelPresence();
    expect(presenceSince(from, sentinel)).toEqual([]);
  });
});

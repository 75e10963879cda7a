import { type ClientMessage, envelope, PROTOCOL_VERSION } from '@staff-sync/protocol';
import { describe, expect, it, vi } from 'vitest';
import { manualSignal } from '../../src/signals.ts';
import { StaffSyncClient } from '../../src/staff-sync-client.ts';
import { memoryStorage } from '../../src/storage.ts';
import type { Transport, TransportFactory, TransportOptions } from '../../src/transport.ts';
import { changeEvent, member } from './fixtures.ts';
import { manualClock } from './manual-clock.ts';

/** A transport the test plays the server of: it sees what the client sends and hands it frames. */
interface FakeLink extends Transport {
  options: TransportOptions;
  sent: ClientMessage[];
}

/** StaffSyncClient with no server: one fake WebSocket, a manual clock, memory storages. */
async function connectedClient() {
  const clock = manualClock();
  const links: FakeLink[] = [];
  const factory: TransportFactory = (options) => {
    let closed = false;
    const link: FakeLink = {
      kind: 'websocket',
      options,
      sent: [],
      open: () => {},
      send: (message) => link.sent.push(message),
      close: () => {
        if (closed) return;
        closed = true;
        options.callbacks.onClose({ code: 1000, reason: 'closed', wasOpen: true });
      },
    };
    links.push(link);
    return link;
  };
  const client = new StaffSyncClient({
    url: 'ws://127.0.0.1:1/staff-sync',
    period: 5,
    clock,
    transports: ['websocket'],
    transportFactories: { websocket: factory },
    sessionStorage: memoryStorage(),
    localStorage: memoryStorage(),
    online: manualSignal(true),
    visibility: manualSignal(true),
    orphanCheckMs: 0,
    logger: { warn: () => {} },
  });
  let published = 0;
  client.subscribe(() => published++);
  client.connect();
  await vi.waitFor(() => expect(links).toHaveLength(1));
  const link = links[0] as FakeLink;
  link.options.callbacks.onOpen();
  const frame = (...messages: unknown[]) => link.options.callbacks.onFrame(JSON.stringify(messages));
  const hello = envelope(
    'HELLO',
    {
      protocolVersion: PROTOCOL_VERSION,
      serverVersion: 'test',
      connectionId: 'c1',
      restaurantId: 'r1',
      role: 'editor',
      strategy: 'merge',
      limits: { maxMessageBytes: 65_536, maxOutboxHint: 500 },
    },
    'server',
    1,
  );
  const sentOf = (type: string) => link.sent.filter((m) => m.type === type);
  return { client, clock, link, frame, hello, sentOf, published: () => published };
}

const A = '00000000-0000-4000-8000-00000000000a';

const fullSync = (sequenceNumber: number, seq: number, ...members: ReturnType<typeof member>[]) =>
  envelope('SYNC_RESPONSE', { full: true, period: 5, periods: [], staffMembers: members }, 'server', sequenceNumber, seq);

/** The façade over the state reducer, driven message by message. */
describe('StaffSyncClient (no server)', () => {
  it('derives one snapshot per frame, and keeps the same object while nothing changes', async () => {
    const { client, frame, hello, sentOf, published } = await connectedClient();
    const request = sentOf('SYNC_REQUEST')[0];
    expect(request?.payload).toEqual({ period: 5 });
    const before = published();
    frame(hello, fullSync(2, 10, member(A, 1, { name: 'Aiko' })));
    expect(published()).toBe(before + 1); // two messages, one notification
    const snapshot = client.getSnapshot();
    expect(snapshot).toMatchObject({ status: 'connected', transport: 'websocket', synced: true, seq: 10, role: 'editor' });
    expect(snapshot.members.map((m) => m.name)).toEqual(['Aiko']);
    frame(envelope('PONG', {}, 'server', 3));
    expect(client.getSnapshot()).toBe(snapshot);
    expect(published()).toBe(before + 1);
  });

  it('shows a change at once, keeps it shown between its ACK and its event, then holds the confirmed one', async () => {
    const { client, frame, hello, sentOf } = await connectedClient();
    frame(hello, fullSync(2, 10, member(A, 1, { name: 'Aiko' })));
    const saved = client.updateStaff(A, { name: 'Aki' });
    const update = sentOf('STAFF_UPDATE')[0] as ClientMessage;
    expect(client.getSnapshot()).toMatchObject({ pendingCount: 1 });
    expect(client.getSnapshot().members[0]?.name).toBe('Aki');
    frame(envelope('ACK', { sequenceNumber: update.sequenceNumber, staffId: A, version: 2, seq: 11 }, 'server', 4));
    await expect(saved).resolves.toMatchObject({ version: 2, seq: 11, duplicate: false });
    expect(client.getSnapshot()).toMatchObject({ pendingCount: 0, seq: 10 });
    expect(client.getSnapshot().members[0]?.name).toBe('Aki'); // no flicker back to Aiko
    frame(changeEvent(11, member(A, 2, { name: 'Aki' })));
    expect(client.getSnapshot()).toMatchObject({ seq: 11 });
    expect(client.getSnapshot().members[0]).toMatchObject({ name: 'Aki', version: 2 });
    client.dispose();
  });

  it('asks again after a refused sync on its own timer, and sends changes meanwhile', async () => {
    const { client, clock, frame, hello, sentOf } = await connectedClient();
    const refused = sentOf('SYNC_REQUEST')[0] as ClientMessage;
    frame(
      hello,
      envelope(
        'ERROR',
        { code: 'VALIDATION_FAILED', message: 'no period 5', sequenceNumber: refused.sequenceNumber },
        'server',
        2,
      ),
    );
    expect(client.getSnapshot().lastError?.code).toBe('VALIDATION_FAILED');
    const created = client.addStaff({ name: 'Meanwhile', position: 'cook' });
    created.catch(() => {});
    expect(sentOf('STAFF_CREATE')).toHaveLength(1); // not held by the sync's retry
    expect(sentOf('SYNC_REQUEST')).toHaveLength(1);
    clock.advance(500);
    expect(sentOf('SYNC_REQUEST')).toHaveLength(2);
    expect(sentOf('SYNC_REQUEST')[1]?.payload).toEqual({}); // without the period the server refused
    client.dispose();
  });
});

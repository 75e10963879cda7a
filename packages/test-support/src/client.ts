import {
  type KeyValueStorage,
  manualSignal,
  memoryStorage,
  StaffSyncClient,
  type StaffSyncClientOptions,
  type StaffSyncSnapshot,
  type TransportFactory,
  webSocketTransport,
} from '@staff-sync/client';

export { until } from './metrics.ts';
export { startServerProcess } from './server-process.ts';
export { TestClient } from './ws-client.ts';

/** A browser tab's storages, shared by the clients of one "tab" to simulate a reload. */
export interface Tab {
  session: KeyValueStorage;
  local: KeyValueStorage;
}

export const newTab = (): Tab => ({ session: memoryStorage(), local: memoryStorage() });

/** Warnings the client logged, kept for the test to assert on. */
export function quietLogger(): { warn: (...args: unknown[]) => void; lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (...args: unknown[]) => lines.push(args.map(String).join(' ')) };
}

/** A client on the real server with test-friendly timing; tracked for `disposeAll`. */
export function clientFor(
  url: string,
  tab: Tab = newTab(),
  options: Partial<StaffSyncClientOptions> = {},
  tracked: StaffSyncClient[] = [],
): StaffSyncClient {
  const client = new StaffSyncClient({
    url,
    sessionStorage: tab.session,
    localStorage: tab.local,
    online: manualSignal(true),
    visibility: manualSignal(true),
    backoff: { baseMs: 50, maxMs: 400 },
    logger: quietLogger(),
    ...options,
  });
  tracked.push(client);
  return client;
}

/** Resolves with the first snapshot that satisfies `predicate`. */
export function snapshotWhere(
  client: StaffSyncClient,
  predicate: (s: StaffSyncSnapshot) => boolean,
  timeoutMs = 15_000,
  what = 'snapshot condition',
): Promise<StaffSyncSnapshot> {
  return new Promise((resolve, reject) => {
    if (predicate(client.getSnapshot())) return resolve(client.getSnapshot());
    const timer = setTimeout(() => {
      stop();
      reject(
        new Error(`timed out waiting for ${what}; last: ${JSON.stringify({ ...client.getSnapshot(), members: undefined })}`),
      );
    }, timeoutMs);
    const stop = client.subscribe(() => {
      if (!predicate(client.getSnapshot())) return;
      clearTimeout(timer);
      stop();
      resolve(client.getSnapshot());
    });
  });
}

/**
 * The real WebSocket transport with a hand on the incoming frames: `edit` may change or drop the
 * messages of each frame before the client sees them (a lossy network, a broken server).
 */
export function editedWebSocket(edit: (messages: { type: string; seq?: number }[]) => unknown[]): TransportFactory {
  return (options) =>
    webSocketTransport({
      ...options,
      callbacks: {
        ...options.callbacks,
        onFrame(text) {
          const parsed = JSON.parse(text) as unknown;
          const messages = (Array.isArray(parsed) ? parsed : [parsed]) as { type: string; seq?: number }[];
          const kept = edit(messages);
          if (kept.length > 0) options.callbacks.onFrame(JSON.stringify(kept));
        },
      },
    });
}

import postgres from 'postgres';
import { type BackoffOptions, type Clock, LISTEN_BACKOFF, Reconnector, systemClock } from './reconnect.ts';

export interface ListenerEvents {
  onPayload: (payload: string) => void;
  /** The LISTEN is in place: first at start, then after every reconnect. */
  onReady?: () => void;
  /** The listening connection dropped; notifications are missed until the next onReady. */
  onLost?: () => void;
  /** A reconnect attempt failed (for the log). */
  onRetry?: (error: unknown, retryInMs: number) => void;
}

export interface ListenerOptions {
  backoff?: BackoffOptions;
  clock?: Clock;
}

/**
 * LISTEN on one dedicated connection of its own, reconnected on the server's own schedule (see
 * reconnect.ts). postgres.js's `sql.listen` would share the query pool's retry count, so the pool's
 * failed connects during a database restart pushed the listener's next attempt 10-20 s out
 * (docs/operations.md, "When PostgreSQL restarts").
 */
export async function listenPostgres(
  url: string,
  channel: string,
  events: ListenerEvents,
  options: ListenerOptions = {},
): Promise<() => Promise<void>> {
  let stopped = false;
  const reconnector = new Reconnector(
    {
      connect: async () => {
        await sql.unsafe(listenStatement);
      },
      onConnected: () => events.onReady?.(),
      onFailed: (error, retryInMs) => events.onRetry?.(error, retryInMs),
    },
    options.backoff ?? LISTEN_BACKOFF,
    options.clock ?? systemClock,
  );
  const sql = postgres(url, {
    max: 1,
    idle_timeout: 0,
    max_lifetime: null,
    fetch_types: false,
    connect_timeout: 5,
    // The Reconnector decides when to try again; postgres.js must not add a wait of its own.
    backoff: () => 0,
    connection: { application_name: 'staff-sync-listen' },
    onnotice: () => {},
    // Not in postgres.js's types, but its documented per-connection NotificationResponse hook.
    ...({ onnotify: (name: string, payload: string) => name === channel && events.onPayload(payload) } as object),
    onclose: () => {
      // Also fires for a failed attempt, which the Reconnector already handles (state 'connecting').
      if (stopped || (reconnector.state !== 'connected' && reconnector.state !== 'idle')) return;
      events.onLost?.();
      reconnector.lost();
    },
  });
  const listenStatement = `listen "${channel.replaceAll('"', '""')}"`;
  // The first LISTEN fails fast, as opening the database does: a wrong URL is reported at start.
  try {
    await sql.unsafe(listenStatement);
  } catch (error) {
    await sql.end({ timeout: 0 });
    throw error;
  }
  events.onReady?.();
  return async () => {
    stopped = true;
    reconnector.stop();
    await sql.end({ timeout: 0 });
  };
}

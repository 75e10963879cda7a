import type { Connection } from './connection.ts';

export interface HeartbeatSettings {
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
}

export type HeartbeatVerdict = 'expired' | 'dead' | 'ping' | 'alive';

/**
 * What the sweep does with one connection at `now` (ms since epoch): its token ran out, it did
 * not answer a ping in time, it has been silent long enough to be pinged, or it is fine.
 */
export function heartbeatVerdict(
  connection: Pick<Connection, 'info' | 'pingSentAt' | 'lastSeenAt'>,
  settings: HeartbeatSettings,
  now: number,
): HeartbeatVerdict {
  const { expiresAt } = connection.info;
  if (expiresAt !== undefined && now >= expiresAt) return 'expired';
  if (connection.pingSentAt !== undefined) return now - connection.pingSentAt > settings.heartbeatTimeoutMs ? 'dead' : 'alive';
  return now - connection.lastSeenAt >= settings.heartbeatIntervalMs ? 'ping' : 'alive';
}

/** How often the sweep runs: often enough for both limits, never more than every 50 ms. */
export function sweepEvery(settings: HeartbeatSettings): number {
  return Math.max(50, Math.min(1000, Math.min(settings.heartbeatIntervalMs, settings.heartbeatTimeoutMs) / 2));
}

/**
 * Most pings one sweep sends: twice the share of the connections that falls due per sweep when
 * their pings are evenly spread. Connections that arrived together (a restart's reconnecting
 * clients) fall due together, and pinging them all in one sweep blocks the event loop for one
 * socket write each (10,000 at once: about 150 ms), every interval again, since their pongs come
 * back together too. Capped, the rest wait for the next sweeps, which spreads them for good; a
 * dead connection is then found at most about half an interval later.
 */
export function pingsPerSweep(connections: number, settings: HeartbeatSettings): number {
  return Math.max(16, Math.ceil((2 * connections * sweepEvery(settings)) / settings.heartbeatIntervalMs));
}

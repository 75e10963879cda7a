/** setTimeout takes at most 2^31 - 1 ms (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A timer that fires when a token expires (`expiresAt`, ms since epoch; at once when it already
 * has). None without an expiry, or for one beyond a timer's reach: the heartbeat sweep checks
 * those. Unref'd, so it never keeps the process up.
 */
export function tokenExpiryTimer(expiresAt: number | undefined, onExpired: () => void): NodeJS.Timeout | undefined {
  if (expiresAt === undefined) return undefined;
  const inMs = expiresAt - Date.now();
  if (inMs >= MAX_TIMER_MS) return undefined;
  return setTimeout(onExpired, Math.max(0, inMs)).unref();
}

import type { BackoffOptions } from './backoff.ts';
import type { Clock } from './clock.ts';
import type { PacerOptions } from './pacer.ts';
import type { SignalSource } from './signals.ts';
import type { KeyValueStorage } from './storage.ts';
import type { TransportFactory, TransportKind } from './transport.ts';

export interface StaffSyncClientOptions {
  /** The server's WebSocket URL, e.g. `wss://sync.example.com/staff-sync`. */
  url: string;
  /** The HTTP API's base URL; default: derived from `url` (`https://sync.example.com/api/v1`). */
  httpUrl?: string;
  /** The schedule period index this screen looks at; sent as the server's default. */
  period?: number;
  /**
   * Returns the JWT to connect with, when sign-in is on. Called before every connection attempt;
   * `reason` is `expired` after the server closed with 4001 (token expired) or refused the token,
   * so the app should fetch a fresh one then.
   */
  getToken?: (context: { reason: 'connect' | 'expired' }) => string | undefined | Promise<string | undefined>;
  /** Shown to others in presence when the token carries no name. */
  userName?: string;
  /** Transports in order of preference (default `['websocket', 'http']`); HTTP is used when WebSockets cannot open. */
  transports?: TransportKind[];
  /** Replace a transport (tests wrap the real ones). */
  transportFactories?: Partial<Record<TransportKind, TransportFactory>>;
  /** Most mutations waiting to be acknowledged; past it a mutation is refused with `OUTBOX_FULL` (default 500). */
  maxPending?: number;
  /** Mutations sent and not yet answered at once (default 16). */
  maxInFlight?: number;
  /** Times a mutation answered RATE_LIMITED or INTERNAL is sent again before it is rejected (default 5). */
  maxRetries?: number;
  /** Reconnect timing (default: from 1 s, x1.5, up to 30 s, full jitter, never give up). */
  backoff?: BackoffOptions;
  /** The client's send rate (default 80/s, bursts of 150). */
  pacing?: PacerOptions;
  /** A WebSocket silent this long gets a PING (default 25 s). */
  pingIntervalMs?: number;
  /** A PING unanswered this long drops the connection and reconnects (default 10 s). */
  pongTimeoutMs?: number;
  /**
   * A change sent on a WebSocket and unanswered this long makes the client PING at once instead of
   * waiting for `pingIntervalMs` of silence (default 3 s; 0: never), so that a connection that went
   * silent without closing is noticed in seconds.
   */
  probeAfterMs?: number;
  /** That PING unanswered this long drops the connection and reconnects (default 2 s). */
  probeTimeoutMs?: number;
  /**
   * How often to look for changes that closed tabs left unsent, besides at every connect
   * (default 60 s; 0: never). Needs Web Locks and a localStorage that lists its keys.
   */
  orphanCheckMs?: number;
  /** Over HTTP, how often presence (`setEditing`) is renewed while editing (default 5 s; the server's lease is 15 s). */
  presenceRenewMs?: number;
  /** While on HTTP, how often a WebSocket is tried again (default 30 s). */
  upgradeRetryMs?: number;
  /** This tab's id; default: kept in sessionStorage, new for a new tab. */
  clientId?: string;
  /** Where the clientId and counter live (default sessionStorage, else memory). */
  sessionStorage?: KeyValueStorage;
  /** Where the outbox lives (default localStorage, else memory). */
  localStorage?: KeyValueStorage;
  clock?: Clock;
  /** Online state (default: the browser's); the client reconnects at once when it turns true. */
  online?: SignalSource;
  /** Tab visibility (default: the document's); the client reconnects at once when it turns true. */
  visibility?: SignalSource;
  /** Where dropped messages and storage trouble are reported (default `console`). */
  logger?: Pick<Console, 'warn'>;
}

/** `ws(s)://host/staff-sync` -> `http(s)://host/api/v1`. */
export function httpUrlFor(url: string): string {
  const u = new URL(url);
  u.protocol = u.protocol === 'wss:' ? 'https:' : u.protocol === 'ws:' ? 'http:' : u.protocol;
  u.pathname = `${u.pathname.replace(/\/staff-sync\/?$/, '').replace(/\/$/, '')}/api/v1`;
  u.search = '';
  return u.toString();
}

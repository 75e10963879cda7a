import { type ClientMessage, CloseCode } from '@staff-sync/protocol';
import { Backoff, type BackoffOptions } from './backoff.ts';
import type { Clock } from './clock.ts';
import { Emitter } from './emitter.ts';
import type { SignalSource } from './signals.ts';
import { CLOSE_FORBIDDEN, type CloseInfo, type Transport, type TransportFactory, type TransportKind } from './transport.ts';

/**
 * - `connecting`: the first attempt after `connect()` is under way.
 * - `connected`: a transport is open; messages flow.
 * - `reconnecting`: the transport was lost; waiting out the backoff or trying again.
 * - `disconnected`: not trying: before `connect()`, after `disconnect()`, or after giving up.
 */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

export interface StateChange {
  oldState: ConnectionState;
  newState: ConnectionState;
}

export interface ConnectionEvents {
  /** Every change of `state`, once per change. */
  state: StateChange;
  /** A transport opened (`connected` follows); the client sends its sync request and outbox now. */
  open: { kind: TransportKind };
  /** A frame from the open transport. */
  frame: string;
  /** The open transport closed or an attempt failed. */
  close: CloseInfo & { kind: TransportKind };
  /** Gave up: the sign-in was refused (`FORBIDDEN`) or `maxAttempts` ran out (`GAVE_UP`). */
  fatal: { code: 'FORBIDDEN' | 'GAVE_UP'; message: string };
}

export interface ConnectionOptions {
  url: string;
  httpUrl: string;
  transports: Record<TransportKind, TransportFactory>;
  /** The transports to use, in order of preference (default: WebSocket, then HTTP). */
  order: TransportKind[];
  getToken?: (context: { reason: 'connect' | 'expired' }) => string | undefined | Promise<string | undefined>;
  period: () => number | undefined;
  backoff?: BackoffOptions;
  clock: Clock;
  online: SignalSource;
  visibility: SignalSource;
  /** While on HTTP, how often a WebSocket is tried again (default 30 s). */
  upgradeRetryMs?: number;
}

/** WebSocket attempts that fail before ever opening, in a row, before HTTP is tried. */
const FAILURES_BEFORE_FALLBACK = 2;

/**
 * The connection state machine (one `state` field, one `#setState`): opens transports, reconnects
 * with full-jitter backoff, resumes at once when the browser comes online or the tab becomes
 * visible, falls back to HTTP when WebSockets cannot open and goes back when they can. Every
 * transport gets an id that only grows; callbacks of a superseded transport are ignored.
 */
export class Connection {
  readonly events = new Emitter<ConnectionEvents>();
  readonly #options: ConnectionOptions;
  readonly #backoff: Backoff;
  readonly #unsubscribe: (() => void)[] = [];
  #state: ConnectionState = 'disconnected';
  #transportId = 0;
  #transport: Transport | undefined;
  #timer: unknown;
  #upgradeTimer: unknown;
  #webSocketFailures = 0;
  #tokenReason: 'connect' | 'expired' = 'connect';

  constructor(options: ConnectionOptions) {
    this.#options = options;
    this.#backoff = new Backoff(options.backoff);
    const resume = (value: boolean) => {
      const waiting = this.#state === 'connecting' || this.#state === 'reconnecting';
      if (value && waiting && this.#transport === undefined) this.#attemptNow();
    };
    this.#unsubscribe.push(options.online.subscribe(resume), options.visibility.subscribe(resume));
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** The kind of the open transport, if one is open. */
  get transportKind(): TransportKind | undefined {
    return this.#state === 'connected' ? this.#transport?.kind : undefined;
  }

  connect(): void {
    if (this.#state !== 'disconnected') return;
    this.#backoff.reset();
    this.#webSocketFailures = 0;
    this.#setState('connecting');
    this.#open();
  }

  /** Stop: close the transport and stop trying until `connect()`. */
  disconnect(): void {
    if (this.#state === 'disconnected') return;
    this.#stop();
    this.#setState('disconnected');
  }

  /** Send on the open transport; false when none is open (the caller keeps the message). */
  send(message: ClientMessage): boolean {
    if (this.#state !== 'connected' || !this.#transport) return false;
    try {
      this.#transport.send(message);
      return true;
    } catch {
      return false;
    }
  }

  /** Drop the open transport and reconnect, e.g. when it stopped answering. */
  reconnect(reason: string): void {
    if (this.#state !== 'connected' || !this.#transport) return;
    const transport = this.#transport;
    this.#lost(transport.kind, { code: 1006, reason, wasOpen: true });
    transport.close(CloseCode.NORMAL, reason);
  }

  dispose(): void {
    this.disconnect();
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
  }

  #setState(newState: ConnectionState): void {
    const oldState = this.#state;
    if (oldState === newState) return;
    this.#state = newState;
    this.events.emit('state', { oldState, newState });
  }

  #stop(): void {
    this.#options.clock.clearTimeout(this.#timer);
    this.#options.clock.clearTimeout(this.#upgradeTimer);
    this.#timer = this.#upgradeTimer = undefined;
    this.#transportId++; // whatever the old transport still says is ignored from here
    const transport = this.#transport;
    this.#transport = undefined;
    transport?.close(CloseCode.NORMAL, 'client disconnected');
  }

  #nextKind(): TransportKind {
    const { order } = this.#options;
    const preferred = order[0] ?? 'websocket';
    if (order.length < 2 || preferred !== 'websocket') return preferred;
    return this.#webSocketFailures >= FAILURES_BEFORE_FALLBACK ? (order[1] ?? preferred) : preferred;
  }

  #open(kind: TransportKind = this.#nextKind()): void {
    const id = ++this.#transportId;
    const { getToken } = this.#options;
    // Without a token to fetch the attempt starts synchronously (no extra turn of the event loop).
    if (!getToken) {
      this.#start(id, kind, undefined);
      return;
    }
    Promise.resolve()
      .then(() => getToken({ reason: this.#tokenReason }))
      .then(
        (token) => {
          if (id === this.#transportId && this.#state !== 'disconnected') this.#start(id, kind, token);
        },
        (error: unknown) => {
          if (id === this.#transportId) {
            this.#lost(kind, { code: CloseCode.TOKEN_EXPIRED, reason: `getToken failed: ${error}`, wasOpen: false });
          }
        },
      );
  }

  #start(id: number, kind: TransportKind, token: string | undefined): void {
    const transport = this.#options.transports[kind]({
      url: this.#options.url,
      httpUrl: this.#options.httpUrl,
      token,
      period: this.#options.period(),
      callbacks: {
        onOpen: () => {
          if (id !== this.#transportId) return;
          this.#tokenReason = 'connect';
          this.#backoff.reset();
          if (kind === 'websocket') this.#webSocketFailures = 0;
          this.#setState('connected');
          this.events.emit('open', { kind });
          if (kind !== 'websocket' && this.#options.order.includes('websocket')) this.#scheduleUpgrade();
        },
        onFrame: (text) => {
          if (id === this.#transportId) this.events.emit('frame', text);
        },
        onClose: (info) => {
          if (id === this.#transportId) this.#lost(kind, info);
        },
      },
    });
    this.#transport = transport;
    transport.open();
  }

  #lost(kind: TransportKind, info: CloseInfo): void {
    this.#transportId++;
    this.#transport = undefined;
    this.#options.clock.clearTimeout(this.#upgradeTimer);
    this.events.emit('close', { ...info, kind });
    if (this.#state === 'disconnected') return;
    if (info.code === CLOSE_FORBIDDEN) {
      this.#stop();
      // The reason first, so that whoever sees `disconnected` can already read why.
      this.events.emit('fatal', { code: 'FORBIDDEN', message: info.reason || 'the server refused this sign-in' });
      this.#setState('disconnected');
      return;
    }
    if (kind === 'websocket' && !info.wasOpen) this.#webSocketFailures++;
    // HTTP failing too means the server is away, not that WebSockets are blocked: start over.
    if (kind !== 'websocket' && !info.wasOpen) this.#webSocketFailures = 0;
    this.#setState(this.#state === 'connecting' && !info.wasOpen ? 'connecting' : 'reconnecting');
    if (info.code === CloseCode.TOKEN_EXPIRED) {
      // The token ran out while connected: a fresh one, then straight back.
      this.#tokenReason = 'expired';
      if (info.wasOpen) {
        this.#attemptNow();
        return;
      }
    }
    if (kind === 'websocket' && !info.wasOpen && this.#webSocketFailures === FAILURES_BEFORE_FALLBACK) {
      // The WebSocket failed twice without opening: try HTTP right away.
      if (this.#nextKind() !== 'websocket') {
        this.#attemptNow();
        return;
      }
    }
    this.#schedule();
  }

  #schedule(): void {
    const delay = this.#backoff.next();
    if (delay === undefined) {
      this.#stop();
      this.events.emit('fatal', { code: 'GAVE_UP', message: `could not reach the server in ${this.#backoff.attempt} attempts` });
      this.#setState('disconnected');
      return;
    }
    // Offline, nothing to try: the online event resumes at once.
    if (!this.#options.online.get()) return;
    this.#timer = this.#options.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#open();
    }, delay);
  }

  #attemptNow(): void {
    this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#open();
  }

  /** On HTTP, try a WebSocket now and then; when one opens it replaces the HTTP transport. */
  #scheduleUpgrade(): void {
    this.#options.clock.clearTimeout(this.#upgradeTimer);
    this.#upgradeTimer = this.#options.clock.setTimeout(() => {
      void this.#probeWebSocket();
      this.#scheduleUpgrade();
    }, this.#options.upgradeRetryMs ?? 30_000);
  }

  async #probeWebSocket(): Promise<void> {
    const onHttp = () => this.#state === 'connected' && this.#transport !== undefined && this.#transport.kind !== 'websocket';
    if (!onHttp()) return;
    let token: string | undefined;
    try {
      token = await this.#options.getToken?.({ reason: 'connect' });
    } catch {
      return; // the next probe asks again
    }
    if (!onHttp()) return;
    // The probe gets a transport id only once it replaces the HTTP transport; until then it is silent.
    let id: number | undefined;
    const probe = this.#options.transports.websocket({
      url: this.#options.url,
      httpUrl: this.#options.httpUrl,
      token,
      period: this.#options.period(),
      callbacks: {
        onOpen: () => {
          if (!onHttp()) return probe.close();
          id = ++this.#transportId;
          const http = this.#transport;
          this.#transport = probe;
          this.#webSocketFailures = 0;
          this.#options.clock.clearTimeout(this.#upgradeTimer);
          http?.close(CloseCode.NORMAL, 'moved to WebSocket');
          this.events.emit('open', { kind: 'websocket' });
        },
        onFrame: (text) => {
          if (id !== undefined && id === this.#transportId) this.events.emit('frame', text);
        },
        onClose: (info) => {
          if (id !== undefined && id === this.#transportId) this.#lost('websocket', info);
        },
      },
    });
    probe.open();
  }
}

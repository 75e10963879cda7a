import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  type ClientMessage,
  CloseCode,
  ErrorCode,
  type ErrorPayload,
  PROTOCOL_VERSION,
  parseClientFrame,
} from '@staff-sync/protocol';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { Authenticator } from '../../auth/authenticator.ts';
import { tokenExpiryTimer } from '../../auth/token-expiry.ts';
import type { ChangeFeed } from '../../engine/change-feed.ts';
import type { SyncEngine } from '../../engine/sync-engine.ts';
import type { Hub } from '../../fanout/hub.ts';
import type { UserRateLimiter } from '../../limits/user-rate-limit.ts';
import type { Logger } from '../../logger.ts';
import type { Metrics } from '../../metrics.ts';
import type { PresenceService } from '../../presence/presence-service.ts';
import { requestIdOf } from '../request-id.ts';
import { type CloseReason, Connection, type ConnectionLimits } from './connection.ts';
import { isTeardownError } from './teardown.ts';

export const WEBSOCKET_PATH = '/staff-sync';

export interface GatewaySettings extends ConnectionLimits {
  maxMessageBytes: number;
  maxConnections: number;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  compression: boolean;
}

export interface GatewayDeps {
  settings: GatewaySettings;
  engine: SyncEngine;
  feed: ChangeFeed;
  hub: Hub;
  presence: PresenceService;
  /** Messages per user over all connections (and replicas, with Redis). */
  userLimiter: UserRateLimiter;
  auth: Authenticator;
  metrics: Metrics;
  log: Logger;
  serverVersion: string;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Answer an upgrade we refuse with a plain HTTP response, then drop the socket. */
function refuseUpgrade(socket: Duplex, status: number, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ error: message });
  const reason =
    { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' }[status] ??
    'Error';
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`,
  );
  socket.destroy();
}

/**
 * The WebSocket side of the server: upgrades at /staff-sync, one {@link Connection} per socket,
 * validation of every frame, dispatch to the engine, heartbeats, and draining on shutdown.
 */
export class WsGateway {
  readonly #deps: GatewayDeps;
  readonly #wss: WebSocketServer;
  readonly #connections = new Set<Connection>();
  /** Receive time of applied mutations not yet fanned out, by restaurant|client|sequenceNumber. */
  readonly #inFlight = new Map<string, { startedAt: number; type: string }>();
  readonly #sweeper: NodeJS.Timeout;
  #draining = false;

  constructor(deps: GatewayDeps) {
    this.#deps = deps;
    const { settings } = deps;
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: settings.maxMessageBytes,
      perMessageDeflate: settings.compression
        ? {
            threshold: 1024,
            // No context kept between messages: bounded memory per connection at 10k connections.
            serverNoContextTakeover: true,
            clientNoContextTakeover: true,
            concurrencyLimit: 4,
          }
        : false,
    });
    deps.hub.onPublished((change) => this.#finishTiming(`${change.restaurantId}|${change.clientId}|${change.sequenceNumber}`));
    const every = Math.max(50, Math.min(1000, Math.min(settings.heartbeatIntervalMs, settings.heartbeatTimeoutMs) / 2));
    this.#sweeper = setInterval(() => this.#sweep(), every);
    this.#sweeper.unref();
  }

  get activeConnections(): number {
    return this.#connections.size;
  }

  get draining(): boolean {
    return this.#draining;
  }

  async handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const { metrics, settings, auth, log } = this.#deps;
    socket.on('error', () => {}); // a peer resetting mid-handshake is not our error
    const requestId = requestIdOf(request);
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== WEBSOCKET_PATH) return refuseUpgrade(socket, 404, `no WebSocket endpoint at ${url.pathname}`);
    if (this.#draining) {
      metrics.connectionsRefused.inc({ reason: 'draining' });
      return refuseUpgrade(socket, 503, 'server is shutting down; connect again', { 'Retry-After': '1' });
    }
    if (this.#connections.size >= settings.maxConnections) {
      metrics.connectionsRefused.inc({ reason: 'max_connections' });
      return refuseUpgrade(socket, 503, 'too many connections; try again later', { 'Retry-After': '5' });
    }
    const periodParam = url.searchParams.get('period');
    let period: number | undefined;
    if (periodParam !== null) {
      period = /^\d{1,6}$/.test(periodParam) ? Number(periodParam) : Number.NaN;
      if (Number.isNaN(period)) {
        metrics.connectionsRefused.inc({ reason: 'bad_request' });
        return refuseUpgrade(socket, 400, 'period must be an integer >= 0');
      }
    }
    const result = await auth.authenticate(request, url);
    if (!result.ok) {
      metrics.connectionsRefused.inc({ reason: 'unauthorized' });
      log.info({ requestId, status: result.status, reason: result.message }, 'upgrade refused');
      return refuseUpgrade(socket, result.status, result.message);
    }
    if (socket.destroyed) return;
    this.#wss.handleUpgrade(request, socket, head, (ws) => {
      const { identity } = result;
      this.#onConnect(
        ws,
        {
          id: randomUUID(),
          restaurantId: identity.restaurantId,
          role: identity.role,
          userId: identity.userId,
          expiresAt: identity.expiresAt,
          period,
        },
        identity.userName,
        requestId,
      );
    });
  }

  #onConnect(ws: WebSocket, info: Connection['info'], userName: string | undefined, requestId: string): void {
    const { hub, presence, metrics, log, settings, engine, serverVersion } = this.#deps;
    const connection = new Connection(ws, info, settings, (c, reason) =>
      this.#close(c, CloseCode.TRY_AGAIN_LATER, 'send backlog limit exceeded; reconnect and resume', reason),
    );
    const clog = log.child({ connectionId: info.id, requestId, restaurantId: info.restaurantId });
    this.#connections.add(connection);
    metrics.connectionsActive.inc();
    clog.debug('connected');

    ws.on('message', (data, isBinary) => this.#onMessage(connection, data, isBinary, userName));
    ws.on('pong', () => {
      connection.lastSeenAt = Date.now();
      connection.pingSentAt = undefined;
    });
    ws.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        metrics.connectionsClosed.inc({ reason: 'oversized' });
        clog.info('frame over the size limit; closed with 1009');
      } else if (isTeardownError(error)) clog.debug({ err: error }, 'socket error during teardown');
      else clog.warn({ err: error }, 'socket error');
    });
    // The token's expiry closes the connection on the dot (the sweep is only a backstop for
    // tokens beyond a timer's reach), so a client asks for a fresh token as soon as it must.
    const expiry = tokenExpiryTimer(info.expiresAt, () =>
      this.#close(connection, CloseCode.TOKEN_EXPIRED, 'token expired; sign in again', 'token_expired'),
    );
    ws.on('close', (code) => {
      clearTimeout(expiry);
      connection.markClosed();
      if (this.#connections.delete(connection)) metrics.connectionsActive.dec();
      hub.leave(connection);
      presence.remove(connection);
      clog.debug({ code }, 'disconnected');
    });

    connection.send('HELLO', {
      protocolVersion: PROTOCOL_VERSION,
      serverVersion,
      connectionId: info.id,
      restaurantId: info.restaurantId,
      role: info.role,
      strategy: engine.strategy,
      limits: { maxMessageBytes: settings.maxMessageBytes, maxOutboxHint: settings.maxPendingMessages },
    });
    // Following the restaurant's changes comes first; messages queue behind it.
    connection.process(() =>
      hub.join(connection).catch((error: unknown) => {
        clog.error({ err: error }, 'could not follow the restaurant; closing');
        this.#close(connection, CloseCode.INTERNAL_ERROR, 'server error; reconnect', 'shutdown');
      }),
    );
    presence.greet(connection);
  }

  #onMessage(connection: Connection, data: RawData, isBinary: boolean, userName: string | undefined): void {
    const { metrics } = this.#deps;
    connection.lastSeenAt = Date.now();
    // While draining, new messages are not started; the client re-sends them after reconnecting.
    if (this.#draining || connection.closed) return;
    const startedAt = performance.now();
    if (isBinary) {
      metrics.messagesTotal.inc({ direction: 'in', type: 'invalid' });
      this.#reply(connection, 'invalid', startedAt, {
        code: ErrorCode.INVALID_MESSAGE,
        message: 'binary frames are not accepted; send JSON text',
      });
      return;
    }
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as Buffer).toString('utf8');
    const parsed = parseClientFrame(text);
    if (!parsed.ok) {
      metrics.messagesTotal.inc({ direction: 'in', type: 'invalid' });
      this.#reply(connection, 'invalid', startedAt, parsed.error);
      return;
    }
    const message = parsed.value;
    metrics.messagesTotal.inc({ direction: 'in', type: message.type });
    connection.clientId ??= message.clientId;
    if (!connection.bucket.take()) {
      metrics.rateLimited.inc({ limit: 'rate' });
      this.#reply(connection, message.type, startedAt, {
        code: ErrorCode.RATE_LIMITED,
        message: 'too many messages; slow down and send this one again',
        sequenceNumber: message.sequenceNumber,
      });
      return;
    }
    if (message.type === 'PING') {
      connection.send('PONG', {});
      this.#observe(message.type, startedAt);
      return;
    }
    // Signed in: the token's user; otherwise each client instance counts as a user.
    const userKey = `${connection.info.restaurantId}|${connection.info.userId ?? message.clientId}`;
    const accepted = connection.process(async () => {
      if (!(await this.#deps.userLimiter.take(userKey))) {
        metrics.rateLimited.inc({ limit: 'user' });
        return this.#reply(connection, message.type, startedAt, {
          code: ErrorCode.RATE_LIMITED,
          message: 'too many messages from this user over all connections; slow down and send this one again',
          sequenceNumber: message.sequenceNumber,
        });
      }
      return this.#handle(connection, message, startedAt, userName);
    });
    if (!accepted) {
      metrics.rateLimited.inc({ limit: 'pending' });
      this.#reply(connection, message.type, startedAt, {
        code: ErrorCode.RATE_LIMITED,
        message: `more than ${this.#deps.settings.maxPendingMessages} messages are waiting; send this one again later`,
        sequenceNumber: message.sequenceNumber,
      });
    }
  }

  async #handle(connection: Connection, message: ClientMessage, startedAt: number, userName: string | undefined): Promise<void> {
    const { engine, presence } = this.#deps;
    const { restaurantId } = connection.info;
    // A mutation that arrived is applied even when its sender has gone since: a dropped connection
    // must cost nothing, and the client's re-send after reconnecting gets the same outcome.
    if (connection.closed && !message.type.startsWith('STAFF_')) return;
    switch (message.type) {
      case 'SYNC_REQUEST': {
        const payload = { ...message.payload };
        if (payload.period === undefined && connection.info.period !== undefined) payload.period = connection.info.period;
        connection.beginSync();
        const result = await engine.sync(restaurantId, payload);
        if (result.ok) {
          connection.send('SYNC_RESPONSE', result.payload, result.seq);
          connection.endSync(result.seq);
        } else {
          connection.send('ERROR', { ...result.error, sequenceNumber: message.sequenceNumber });
          connection.endSync(undefined);
        }
        return this.#observe(message.type, startedAt);
      }
      case 'PRESENCE_SET': {
        presence.set(
          connection,
          message.clientId,
          message.payload.staffId,
          userName ?? message.payload.userName ?? message.clientId.slice(0, 8),
        );
        return this.#observe(message.type, startedAt);
      }
      case 'STAFF_CREATE':
      case 'STAFF_UPDATE':
      case 'STAFF_DELETE': {
        if (connection.info.role !== 'editor') {
          this.#deps.metrics.staffOperations.inc({ operation: message.type.slice(6).toLowerCase(), status: 'forbidden' });
          return this.#reply(connection, message.type, startedAt, {
            code: ErrorCode.FORBIDDEN,
            message: 'this sign-in may read the roster but not change it',
            sequenceNumber: message.sequenceNumber,
          });
        }
        const key = `${restaurantId}|${message.clientId}|${message.sequenceNumber}`;
        this.#inFlight.set(key, { startedAt, type: message.type });
        const outcome = await engine.mutate(restaurantId, message);
        connection.send(outcome.type, outcome.payload);
        this.#deps.metrics.messagesTotal.inc({ direction: 'out', type: outcome.type });
        // An applied change is timed to its fan-out (which may already have happened); others end here.
        if (outcome.type !== 'ACK' || outcome.payload.duplicate) this.#finishTiming(key);
        return;
      }
      default:
        return;
    }
  }

  #reply(connection: Connection, type: string, startedAt: number, error: ErrorPayload): void {
    connection.send('ERROR', error);
    this.#deps.metrics.messagesTotal.inc({ direction: 'out', type: 'ERROR' });
    this.#observe(type, startedAt);
  }

  #observe(type: string, startedAt: number): void {
    this.#deps.metrics.messageDuration.observe({ type }, (performance.now() - startedAt) / 1000);
  }

  #finishTiming(key: string): void {
    const entry = this.#inFlight.get(key);
    if (!entry) return;
    this.#inFlight.delete(key);
    this.#observe(entry.type, entry.startedAt);
  }

  #close(connection: Connection, code: number, reason: string, metric: CloseReason): void {
    if (connection.closed) return;
    connection.markClosed();
    this.#deps.metrics.connectionsClosed.inc({ reason: metric });
    const { ws } = connection;
    ws.close(code, reason);
    // A client that does not read never completes the close handshake.
    setTimeout(() => ws.terminate(), 2000).unref();
  }

  #sweep(): void {
    const { heartbeatIntervalMs, heartbeatTimeoutMs } = this.#deps.settings;
    const now = Date.now();
    for (const connection of this.#connections) {
      if (connection.closed) continue;
      const { ws, info } = connection;
      if (info.expiresAt !== undefined && now >= info.expiresAt) {
        this.#close(connection, CloseCode.TOKEN_EXPIRED, 'token expired; sign in again', 'token_expired');
      } else if (connection.pingSentAt !== undefined && now - connection.pingSentAt > heartbeatTimeoutMs) {
        connection.markClosed();
        this.#deps.metrics.connectionsClosed.inc({ reason: 'heartbeat' });
        ws.terminate();
      } else if (connection.pingSentAt === undefined && now - connection.lastSeenAt >= heartbeatIntervalMs) {
        connection.pingSentAt = now;
        ws.ping();
      }
    }
    const stale = performance.now() - 30_000;
    for (const [key, entry] of this.#inFlight) if (entry.startedAt < stale) this.#inFlight.delete(key);
  }

  /**
   * Graceful shutdown: refuse new connections and messages, let in-flight ones finish (up to
   * `timeoutMs`), deliver the changes they committed, then close every socket with 1012.
   */
  async drain(timeoutMs: number): Promise<void> {
    const { feed, hub, log } = this.#deps;
    this.#draining = true;
    const connections = [...this.#connections];
    await Promise.race([Promise.all(connections.map((c) => c.idle())), delay(timeoutMs)]);
    await Promise.race([Promise.all(hub.restaurants().map((r) => feed.catchUp(r))), delay(1000)]);
    await hub.flush(); // hand out the changes gathered for the next fan-out pass
    await delay(0); // let queued frames flush
    for (const connection of connections) connection.flush();
    const closed = connections.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.ws.readyState === WebSocket.CLOSED) return resolve();
          c.ws.once('close', () => resolve());
        }),
    );
    for (const connection of connections)
      this.#close(connection, CloseCode.SERVICE_RESTART, 'server restarting; reconnect', 'shutdown');
    await Promise.race([Promise.all(closed), delay(2500)]);
    clearInterval(this.#sweeper);
    log.info({ connections: connections.length }, 'connections closed with 1012');
  }
}

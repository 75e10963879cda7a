import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode, chooseSubprotocol, dialectOf, ErrorCode, isMutation, parseClientFrame } from '@staff-sync/protocol';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { Authenticator } from '../../auth/authenticator.ts';
import { tokenExpiryTimer } from '../../auth/token-expiry.ts';
import type { Delivery, Dispatcher } from '../../dispatch/dispatcher.ts';
import { languageOf, type Replier, type Session, sessionOf } from '../../dispatch/session.ts';
import type { ChangeFeed } from '../../engine/change-feed.ts';
import type { Hub } from '../../fanout/hub.ts';
import type { Logger } from '../../logger.ts';
import type { Metrics } from '../../metrics.ts';
import type { RefusalLog } from '../../ops/refusal-log.ts';
import type { PresenceService } from '../../presence/presence-service.ts';
import { requestIdOf } from '../request-id.ts';
import { type CloseReason, Connection, type ConnectionLimits } from './connection.ts';
import { type HeartbeatSettings, heartbeatVerdict, pingsPerSweep, sweepEvery } from './heartbeat.ts';
import type { PassFrameCounters } from './pass-frame.ts';
import { PER_MESSAGE_DEFLATE, releaseInflater } from './precompressed.ts';
import { refuseUpgrade } from './refuse-upgrade.ts';
import { isTeardownError } from './teardown.ts';

const WEBSOCKET_PATH = '/staff-sync';

interface GatewaySettings extends ConnectionLimits, HeartbeatSettings {
  maxMessageBytes: number;
  maxConnections: number;
  compression: boolean;
}

export interface GatewayDeps {
  settings: GatewaySettings;
  dispatcher: Dispatcher;
  feed: ChangeFeed;
  hub: Hub;
  presence: PresenceService;
  auth: Authenticator;
  metrics: Metrics;
  log: Logger;
  refusals: RefusalLog;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * The WebSocket transport: upgrades at /staff-sync, one {@link Connection} per socket, parsing of
 * every frame, the per-connection limits, heartbeats, and draining on shutdown. What a message
 * means is the dispatcher's to decide.
 */
export class WsGateway {
  readonly #deps: GatewayDeps;
  readonly #wss: WebSocketServer;
  readonly #connections = new Set<Connection>();
  readonly #sweeper: NodeJS.Timeout;
  readonly #passFrames: PassFrameCounters;
  #draining = false;

  constructor(deps: GatewayDeps) {
    this.#deps = deps;
    const { settings } = deps;
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: settings.maxMessageBytes,
      perMessageDeflate: settings.compression ? PER_MESSAGE_DEFLATE : false,
      // The subprotocol picks the dialect; a client that offers none (or none we speak) gets plain.
      handleProtocols: (offered) => chooseSubprotocol(offered) ?? false,
    });
    this.#passFrames = passFrameCounters(deps.metrics);
    this.#sweeper = setInterval(() => this.#sweep(), sweepEvery(settings));
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
    const language = languageOf(request.headers['accept-language'], url.searchParams.get('lang'));
    this.#wss.handleUpgrade(request, socket, head, (ws) =>
      this.#onConnect(
        ws,
        sessionOf(randomUUID(), result.identity, period, dialectOf(ws.protocol || undefined), language),
        requestId,
      ),
    );
  }

  #onConnect(ws: WebSocket, session: Session, requestId: string): void {
    const { hub, presence, metrics, log, settings, dispatcher } = this.#deps;
    const connection = new Connection(
      ws,
      session,
      settings,
      (c, reason) => this.#close(c, CloseCode.TRY_AGAIN_LATER, 'send backlog limit exceeded; reconnect and resume', reason),
      this.#passFrames,
      session.dialect === 'plain' ? (periodIndex, seq) => dispatcher.periodCells(session, periodIndex, seq) : undefined,
    );
    const clog = log.child({ connectionId: session.id, requestId, restaurantId: session.restaurantId });
    this.#connections.add(connection);
    metrics.connectionsActive.inc();
    metrics.connectionsOpened.inc({ dialect: session.dialect });
    clog.debug('connected');

    ws.on('message', (data, isBinary) => {
      releaseInflater(ws);
      this.#onMessage(connection, data, isBinary);
    });
    ws.on('pong', () => {
      connection.lastSeenAt = Date.now();
      connection.pingSentAt = undefined;
    });
    ws.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        metrics.connectionsClosed.inc({ reason: 'oversized' });
        clog.info('frame over the size limit; closed with 1009');
      } else if (error.code === 'WS_ERR_INVALID_UTF8') {
        // RFC 6455 (8.1) requires failing the connection; the ws library closes it with 1007.
        metrics.connectionsClosed.inc({ reason: 'invalid_utf8' });
        clog.info('text frame not valid UTF-8; closed with 1007');
      } else if (isTeardownError(error)) clog.debug({ err: error }, 'socket error during teardown');
      else clog.warn({ err: error }, 'socket error');
    });
    // The token's expiry closes the connection on the dot (the sweep is only a backstop for
    // tokens beyond a timer's reach), so a client asks for a fresh token as soon as it must.
    const expiry = tokenExpiryTimer(session.expiresAt, () =>
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

    connection.send('HELLO', dispatcher.hello(session));
    // Clients written for the plan wait for this before they speak; it names the id they stand for.
    if (session.dialect === 'plain') connection.send('CONNECTION_ACK', { status: 'connected', clientId: session.id });
    // Following the restaurant's changes comes first; messages queue behind it.
    connection.process(
      () =>
        hub.join(connection).catch((error: unknown) => {
          clog.error({ err: error }, 'could not follow the restaurant; closing');
          this.#close(connection, CloseCode.INTERNAL_ERROR, 'server error; reconnect', 'shutdown');
        }),
      'other',
    );
    presence.greet(connection);
  }

  #onMessage(connection: Connection, data: RawData, isBinary: boolean): void {
    const { dispatcher, metrics, presence, settings, refusals } = this.#deps;
    connection.lastSeenAt = Date.now();
    // While draining, new messages are not started; the client re-sends them after reconnecting.
    if (this.#draining || connection.closed) return;
    const delivery: Delivery = {
      replier: connection,
      startedAt: performance.now(),
      transport: 'websocket',
      presence: {
        set: (clientId, staffId, userName, dateKey) => {
          presence.set(connection, clientId, staffId, userName, dateKey);
          return true;
        },
      },
    };
    // Every frame takes a token, valid or not: a client sending garbage is slowed down too.
    const withinRate = connection.bucket.take();
    const text = isBinary ? undefined : frameText(data);
    const options = connection.info.dialect === 'plain' ? { plain: connection.plain } : {};
    const parsed = text === undefined ? undefined : parseClientFrame(text, options);
    if (!parsed?.ok) {
      metrics.messagesTotal.inc({ direction: 'in', type: 'invalid' });
      // Counted with the failed operations too: a client speaking the wrong dialect fires the
      // operation-failure alert (docs/operations.md) instead of failing unseen.
      metrics.staffOperations.inc({ operation: 'invalid', status: 'error' });
      const error = parsed?.error ?? {
        code: ErrorCode.INVALID_MESSAGE,
        message: 'binary frames are not accepted; send JSON text',
      };
      dispatcher.refuse(delivery, 'invalid', error);
      return;
    }
    const message = parsed.value;
    connection.clientId ??= message.clientId;
    if (!withinRate) {
      refusals.refused('rate', connection.info.restaurantId);
      dispatcher.refuse(delivery, message.type, {
        code: ErrorCode.RATE_LIMITED,
        message: 'too many messages; slow down and send this one again',
        sequenceNumber: message.sequenceNumber,
      });
      return;
    }
    const session = connection.info;
    // A PING is answered at once, ahead of queued work: it tells the client the socket is alive.
    if (message.type === 'PING') return void dispatcher.onMessage(session, message, delivery);
    const mutation = isMutation(message);
    const accepted = connection.process(
      async (ordered, previous) => {
        // A mutation that arrived is applied even when its sender has gone since: a dropped
        // connection must cost nothing, and the re-send after reconnecting gets the same outcome.
        if (connection.closed && !mutation) return;
        if (!mutation) return dispatcher.onMessage(session, message, delivery);
        // A pipelined mutation answers after every message before it: answers in the order sent.
        let answered: Promise<unknown> = Promise.resolve();
        const replier: Replier = {
          send: (type, payload, seq) => {
            answered = previous.then(() => connection.send(type, payload, seq));
          },
        };
        await dispatcher.onMessage(session, message, { ...delivery, replier, ordered });
        await answered;
      },
      mutation ? 'mutation' : 'other',
    );
    if (!accepted) {
      refusals.refused('pending', session.restaurantId);
      dispatcher.refuse(delivery, message.type, {
        code: ErrorCode.RATE_LIMITED,
        message: `more than ${settings.maxPendingMessages} messages are waiting; send this one again later`,
        sequenceNumber: message.sequenceNumber,
      });
    }
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
    const now = Date.now();
    let backlog = 0;
    let pings = pingsPerSweep(this.#connections.size, this.#deps.settings);
    for (const connection of this.#connections) {
      if (connection.closed) continue;
      backlog += connection.ws.bufferedAmount;
      switch (heartbeatVerdict(connection, this.#deps.settings, now)) {
        case 'expired':
          this.#close(connection, CloseCode.TOKEN_EXPIRED, 'token expired; sign in again', 'token_expired');
          break;
        case 'dead':
          connection.markClosed();
          this.#deps.metrics.connectionsClosed.inc({ reason: 'heartbeat' });
          connection.ws.terminate();
          break;
        case 'ping':
          if (pings === 0) break; // due still: a later sweep pings it
          pings--;
          connection.pingSentAt = now;
          connection.ws.ping();
          break;
        case 'alive':
          break;
      }
    }
    this.#deps.metrics.sendBacklog.set(backlog);
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

/** Counters for every pass frame, their label children made once (a pass counts one per socket). */
function passFrameCounters(metrics: Metrics): PassFrameCounters {
  const frames = {
    shared: metrics.fanoutFrames.labels({ compression: 'shared' }),
    per_socket: metrics.fanoutFrames.labels({ compression: 'per_socket' }),
    none: metrics.fanoutFrames.labels({ compression: 'none' }),
  };
  return { sent: (compression) => frames[compression].inc(), deflated: () => metrics.fanoutDeflates.inc() };
}

function frameText(data: RawData): string {
  return Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as Buffer).toString('utf8');
}

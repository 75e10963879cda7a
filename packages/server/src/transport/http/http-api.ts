import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type ClientMessage,
  ErrorCode,
  type ErrorPayload,
  envelope,
  type MutationMessage,
  PROTOCOL_VERSION,
  SERVER_CLIENT_ID,
  type ServerMessage,
  validateClientMessage,
} from '@staff-sync/protocol';
import { Counter, Gauge } from 'prom-client';
import type { Authenticator, Identity } from '../../auth/authenticator.ts';
import type { SyncEngine } from '../../engine/sync-engine.ts';
import type { Hub } from '../../fanout/hub.ts';
import { RequestBuckets } from '../../limits/request-buckets.ts';
import type { UserRateLimiter } from '../../limits/user-rate-limit.ts';
import type { Logger } from '../../logger.ts';
import type { Metrics } from '../../metrics.ts';
import { PresenceLeases } from '../../presence/presence-leases.ts';
import type { PresenceService } from '../../presence/presence-service.ts';
import { EventStream, type StreamEndReason } from './event-stream.ts';
import { type HttpDeps, sendJson } from './http-server.ts';

export const API_PREFIX = '/api/v1';

export interface HttpApiSettings {
  maxMessageBytes: number;
  maxBacklogBytes: number;
  maxConnections: number;
  maxPendingMessages: number;
  rateLimitPerSecond: number;
  rateLimitBurst: number;
  heartbeatIntervalMs: number;
  presenceLeaseMs: number;
}

export interface HttpApiDeps {
  settings: HttpApiSettings;
  engine: SyncEngine;
  hub: Hub;
  presence: PresenceService;
  /** The per-user limit the WebSocket applies too: one budget per user over both transports. */
  userLimiter: UserRateLimiter;
  auth: Authenticator;
  metrics: Metrics;
  log: Logger;
  serverVersion: string;
  draining: () => boolean;
}

export interface HttpApi {
  /** The route to register with the HTTP server; false for paths outside /api/v1. */
  route: HttpDeps['routes'][number];
  /** Open change streams. */
  readonly streams: number;
  /** End every change stream (on shutdown, after the WebSocket drain delivered what committed). */
  close(): void;
}

type Route = 'hello' | 'staff' | 'staff_item' | 'changes' | 'presence' | 'unknown';

const ALLOWED: Record<Route, string> = {
  hello: 'GET',
  staff: 'GET, POST',
  staff_item: 'PATCH, DELETE',
  changes: 'GET',
  presence: 'PUT',
  unknown: 'GET',
};

const ERROR_STATUS: Record<ErrorCode, number> = {
  INVALID_JSON: 400,
  INVALID_MESSAGE: 400,
  UNKNOWN_TYPE: 400,
  VALIDATION_FAILED: 400,
  NOT_FOUND: 404,
  SEQUENCE_REUSED: 409,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  INTERNAL: 503,
};

/** `<clientId>:<sequenceNumber>`: the same pair a WebSocket message carries, so both dedupe alike. */
const IDEMPOTENCY_KEY = /^(.{1,128}):([1-9]\d{0,15})$/s;

class ApiError extends Error {
  readonly status: number;
  readonly payload: ErrorPayload;
  constructor(status: number, payload: ErrorPayload) {
    super(payload.message);
    this.status = status;
    this.payload = payload;
  }
}

const apiError = (code: ErrorCode, message: string, fields?: Record<string, string>, status = ERROR_STATUS[code]) =>
  new ApiError(status, fields ? { code, message, fields } : { code, message });

function reply(response: ServerResponse, status: number, message: ServerMessage, headers: Record<string, string> = {}): void {
  sendJson(response, status, message, headers);
}

const serverMessage = <M extends ServerMessage>(type: M['type'], payload: M['payload'], seq?: number): ServerMessage =>
  envelope(type, payload, SERVER_CLIENT_ID, 1, seq) as ServerMessage;

/** Read a JSON body of at most `limit` bytes. */
async function readJson(request: IncomingMessage, limit: number): Promise<unknown> {
  const type = request.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw apiError(ErrorCode.INVALID_MESSAGE, 'send the body as JSON (Content-Type: application/json)', undefined, 415);
  }
  const declared = Number(request.headers['content-length'] ?? 0);
  const tooLarge = () =>
    apiError(
      ErrorCode.INVALID_MESSAGE,
      `the body is larger than the limit of ${limit} bytes (MAX_MESSAGE_BYTES)`,
      undefined,
      413,
    );
  if (declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw apiError(ErrorCode.INVALID_JSON, 'the body is not valid JSON');
  }
}

function idempotencyKey(request: IncomingMessage): { clientId: string; sequenceNumber: number } {
  const raw = request.headers['idempotency-key'];
  const match = typeof raw === 'string' ? IDEMPOTENCY_KEY.exec(raw) : null;
  const sequenceNumber = match ? Number(match[2]) : Number.NaN;
  if (!match || !Number.isSafeInteger(sequenceNumber)) {
    throw apiError(ErrorCode.INVALID_MESSAGE, 'a change needs the header Idempotency-Key: <clientId>:<sequenceNumber>', {
      'headers.idempotency-key': 'must be <clientId>:<sequenceNumber>, sequenceNumber an integer >= 1',
    });
  }
  return { clientId: match[1] as string, sequenceNumber };
}

/** A non-negative integer from the query string or a header; undefined when absent. */
function intParam(value: string | null | undefined, field: string): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (!/^\d{1,16}$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw apiError(ErrorCode.VALIDATION_FAILED, `${field} must be an integer >= 0`, { [field]: 'must be an integer >= 0' });
  }
  return Number(value);
}

/** The same validation as a WebSocket frame, so both transports refuse the same things alike. */
function validated<T extends ClientMessage>(type: T['type'], payload: unknown, clientId: string, sequenceNumber: number): T {
  const parsed = validateClientMessage({ type, payload, timestamp: new Date().toISOString(), clientId, sequenceNumber });
  if (!parsed.ok) throw new ApiError(ERROR_STATUS[parsed.error.code], parsed.error);
  return parsed.value as T;
}

function staffIdOf(path: string): string {
  try {
    return decodeURIComponent(path.slice('/staff/'.length));
  } catch {
    throw apiError(ErrorCode.VALIDATION_FAILED, 'the staff id in the path is not valid', { staffId: 'must be a UUID' });
  }
}

/**
 * The HTTP API (docs/http-api.md): the roster, mutations with version and idempotency key, and a
 * server-sent-events stream of change events. Every request goes through the same validation,
 * Authenticator and SyncEngine as a WebSocket message, so both transports have one meaning.
 */
export function createHttpApi(deps: HttpApiDeps): HttpApi {
  const { settings, engine, hub, auth, log } = deps;
  const registers = [deps.metrics.registry];
  const requests = new Counter({
    name: 'http_api_requests_total',
    help: 'HTTP API requests by route and status code',
    labelNames: ['route', 'status'] as const,
    registers,
  });
  const streamsActive = new Gauge({ name: 'http_api_event_streams_active', help: 'Open change streams', registers });
  const streamsEnded = new Counter({
    name: 'http_api_event_streams_ended_total',
    help: 'Change streams ended, by reason (client, backlog, resync, error, shutdown, token_expired)',
    labelNames: ['reason'] as const,
    registers,
  });
  const buckets = new RequestBuckets(settings.rateLimitPerSecond, settings.rateLimitBurst);
  const leases = new PresenceLeases(deps.presence, settings.presenceLeaseMs, settings.maxConnections);
  new Gauge({
    name: 'http_api_presence_leases',
    help: 'Presence entries set over the HTTP API and not yet run out (at most MAX_CONNECTIONS)',
    registers,
    collect() {
      this.set(leases.size);
    },
  });
  const streams = new Set<EventStream>();

  const onStreamEnd = (stream: EventStream, reason: StreamEndReason) => {
    if (!streams.delete(stream)) return;
    hub.leave(stream);
    streamsActive.dec();
    streamsEnded.inc({ reason });
  };

  async function openStream(request: IncomingMessage, response: ServerResponse, url: URL, identity: Identity): Promise<void> {
    // An EventSource that reconnects sends the id of the last event it got; that wins over the URL.
    const sinceSeq =
      intParam(request.headers['last-event-id'] as string | undefined, 'headers.last-event-id') ??
      intParam(url.searchParams.get('sinceSeq'), 'query.sinceSeq');
    if (sinceSeq === undefined) {
      throw apiError(ErrorCode.VALIDATION_FAILED, 'sinceSeq is required: the seq of the roster you hold', {
        'query.sinceSeq': 'is required',
      });
    }
    if (streams.size >= settings.maxConnections) {
      throw apiError(ErrorCode.RATE_LIMITED, 'too many change streams; try again later', undefined, 503);
    }
    const stream = new EventStream(
      response,
      {
        id: randomUUID(),
        restaurantId: identity.restaurantId,
        role: identity.role,
        userId: identity.userId,
        expiresAt: identity.expiresAt,
        period: undefined,
      },
      { maxBacklogBytes: settings.maxBacklogBytes, keepAliveMs: settings.heartbeatIntervalMs },
      onStreamEnd,
    );
    streams.add(stream);
    streamsActive.inc();
    stream.open(sinceSeq);
    requests.inc({ route: 'changes', status: '200' });
    // A hub Subscriber like a WebSocket connection; joining before the read means nothing
    // committed in between is missed (it is held, then released after the catch-up).
    await hub.join(stream);
    if (stream.ended) return;
    const result = await engine.sync(identity.restaurantId, { sinceSeq });
    if (stream.ended) return;
    if (!result.ok) return stream.fail(serverMessage('ERROR', result.error));
    if (result.payload.full) {
      return stream.resync(result.seq, 'the changes after sinceSeq are no longer kept; take a full snapshot (GET /api/v1/staff)');
    }
    stream.catchUp(result.payload.changes, result.seq);
    // Who edits what right now, as a WebSocket gets it after connecting.
    deps.presence.greet(stream);
  }

  async function mutate(response: ServerResponse, identity: Identity, message: MutationMessage): Promise<number> {
    if (identity.role !== 'editor') {
      throw apiError(ErrorCode.FORBIDDEN, 'this sign-in may read the roster but not change it');
    }
    const outcome = await engine.mutate(identity.restaurantId, message);
    const status =
      outcome.type === 'ACK'
        ? message.type === 'STAFF_CREATE' && !outcome.payload.duplicate
          ? 201
          : 200
        : outcome.type === 'CONFLICT'
          ? 409
          : ERROR_STATUS[outcome.payload.code];
    reply(response, status, serverMessage(outcome.type, outcome.payload as never));
    return status;
  }

  async function handle(request: IncomingMessage, response: ServerResponse, url: URL, path: string, route: Route) {
    const method = request.method ?? 'GET';
    const allow = (methods: string) => {
      if (!methods.split(', ').includes(method)) {
        throw apiError(ErrorCode.INVALID_MESSAGE, `${method} is not allowed here; use ${methods}`, undefined, 405);
      }
    };
    if (route === 'unknown') throw apiError(ErrorCode.NOT_FOUND, `nothing at ${method} ${url.pathname}`);
    if (deps.draining()) throw apiError(ErrorCode.INTERNAL, 'the server is shutting down; send this again', undefined, 503);
    allow(ALLOWED[route]);

    const signIn = await auth.authenticate(request, url);
    if (!signIn.ok) {
      throw apiError(
        signIn.status === 401 ? ErrorCode.UNAUTHORIZED : ErrorCode.FORBIDDEN,
        signIn.message,
        undefined,
        signIn.status,
      );
    }
    const { identity } = signIn;
    const isMutation = method !== 'GET';
    const key = isMutation ? idempotencyKey(request) : undefined;
    const bucketKey = `${identity.restaurantId}|${key?.clientId ?? request.socket.remoteAddress ?? 'unknown'}`;
    if (!buckets.take(bucketKey)) {
      throw apiError(ErrorCode.RATE_LIMITED, 'too many requests; slow down and send this one again', undefined, 429);
    }
    // As on the WebSocket: signed in, the token's user; otherwise the client instance that names itself.
    const user = identity.userId ?? key?.clientId;
    if (user !== undefined && !(await deps.userLimiter.take(`${identity.restaurantId}|${user}`))) {
      deps.metrics.rateLimited.inc({ limit: 'user' });
      throw apiError(
        ErrorCode.RATE_LIMITED,
        'too many requests from this user over all connections; slow down and send this one again',
        undefined,
        429,
      );
    }

    if (route === 'changes') return openStream(request, response, url, identity);
    if (route === 'hello') {
      reply(
        response,
        200,
        serverMessage('HELLO', {
          protocolVersion: PROTOCOL_VERSION,
          serverVersion: deps.serverVersion,
          connectionId: randomUUID(),
          restaurantId: identity.restaurantId,
          role: identity.role,
          strategy: engine.strategy,
          limits: { maxMessageBytes: settings.maxMessageBytes, maxOutboxHint: settings.maxPendingMessages },
        }),
      );
      return 200;
    }
    if (route === 'staff' && method === 'GET') {
      const payload: Record<string, number> = {};
      const period = intParam(url.searchParams.get('period'), 'query.period');
      const sinceSeq = intParam(url.searchParams.get('sinceSeq'), 'query.sinceSeq');
      if (period !== undefined) payload.period = period;
      if (sinceSeq !== undefined) payload.sinceSeq = sinceSeq;
      const message = validated<Extract<ClientMessage, { type: 'SYNC_REQUEST' }>>('SYNC_REQUEST', payload, 'http', 1);
      const result = await engine.sync(identity.restaurantId, message.payload);
      if (!result.ok) throw new ApiError(ERROR_STATUS[result.error.code], result.error);
      reply(response, 200, serverMessage('SYNC_RESPONSE', result.payload, result.seq));
      return 200;
    }

    const { clientId, sequenceNumber } = key as { clientId: string; sequenceNumber: number };
    if (route === 'presence') {
      const body = await readJson(request, settings.maxMessageBytes);
      const { payload } = validated<Extract<ClientMessage, { type: 'PRESENCE_SET' }>>(
        'PRESENCE_SET',
        body,
        clientId,
        sequenceNumber,
      );
      // As on the WebSocket: the token's name first, then the one the client gives.
      const userName = identity.userName ?? payload.userName ?? clientId.slice(0, 8);
      if (!leases.set(identity.restaurantId, clientId, payload.staffId, userName)) {
        throw apiError(ErrorCode.RATE_LIMITED, 'too many clients set presence over HTTP; try again later', undefined, 503);
      }
      reply(response, 200, serverMessage('PRESENCE', { editors: await deps.presence.list(identity.restaurantId) }));
      return 200;
    }
    if (route === 'staff') {
      const body = await readJson(request, settings.maxMessageBytes);
      return mutate(response, identity, validated('STAFF_CREATE', body, clientId, sequenceNumber));
    }
    const staffId = staffIdOf(path);
    if (method === 'PATCH') {
      const body = await readJson(request, settings.maxMessageBytes);
      if (body && typeof body === 'object' && !Array.isArray(body) && 'staffId' in body) {
        throw apiError(ErrorCode.VALIDATION_FAILED, 'staffId comes from the path, not the body', {
          'payload.staffId': 'not allowed in the body',
        });
      }
      const payload = body && typeof body === 'object' && !Array.isArray(body) ? { ...body, staffId } : body;
      return mutate(response, identity, validated('STAFF_UPDATE', payload, clientId, sequenceNumber));
    }
    const version = intParam(url.searchParams.get('version'), 'query.version');
    const payload = version === undefined ? { staffId } : { staffId, version };
    return mutate(response, identity, validated('STAFF_DELETE', payload, clientId, sequenceNumber));
  }

  const routeOf = (path: string): Route =>
    path === '/hello'
      ? 'hello'
      : path === '/staff'
        ? 'staff'
        : /^\/staff\/[^/]+$/.test(path)
          ? 'staff_item'
          : path === '/changes'
            ? 'changes'
            : path === '/presence'
              ? 'presence'
              : 'unknown';

  return {
    get streams() {
      return streams.size;
    },
    close() {
      for (const stream of [...streams]) stream.end('shutdown');
      buckets.stop();
      leases.stop();
    },
    async route(request, response, url) {
      if (url.pathname !== API_PREFIX && !url.pathname.startsWith(`${API_PREFIX}/`)) return false;
      const path = url.pathname.slice(API_PREFIX.length);
      const route = routeOf(path);
      try {
        const status = await handle(request, response, url, path, route);
        if (typeof status === 'number') requests.inc({ route, status: String(status) });
      } catch (error) {
        if (!(error instanceof ApiError)) {
          log.error({ err: error, route }, 'HTTP API request failed');
          if (response.headersSent) {
            response.destroy();
            return true;
          }
        }
        const failure = error instanceof ApiError ? error : apiError(ErrorCode.INTERNAL, 'internal error; send this again');
        requests.inc({ route, status: String(failure.status) });
        const headers: Record<string, string> = {};
        if (failure.status === 429 || failure.status === 503) headers['Retry-After'] = '1';
        if (failure.status === 413 || failure.status === 415) headers.Connection = 'close';
        if (failure.status === 405) headers.Allow = ALLOWED[route];
        if (!response.headersSent) reply(response, failure.status, serverMessage('ERROR', failure.payload), headers);
      }
      return true;
    },
  };
}

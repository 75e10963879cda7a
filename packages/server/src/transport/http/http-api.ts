import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type ClientMessage,
  ErrorCode,
  envelope,
  SERVER_CLIENT_ID,
  type ServerMessage,
  validateClientMessage,
} from '@staff-sync/protocol';
import { Counter, Gauge } from 'prom-client';
import type { Authenticator } from '../../auth/authenticator.ts';
import type { Delivery, Dispatcher } from '../../dispatch/dispatcher.ts';
import { languageOf, sessionOf } from '../../dispatch/session.ts';
import type { SyncEngine } from '../../engine/sync-engine.ts';
import type { Hub } from '../../fanout/hub.ts';
import { RequestBuckets } from '../../limits/request-buckets.ts';
import type { Logger } from '../../logger.ts';
import type { Metrics } from '../../metrics.ts';
import type { RefusalLog } from '../../ops/refusal-log.ts';
import { PresenceLeases } from '../../presence/presence-leases.ts';
import type { PresenceService } from '../../presence/presence-service.ts';
import { ApiError, apiError, ERROR_STATUS } from './api-errors.ts';
import { ChangeStreams } from './change-streams.ts';
import { type HttpDeps, sendJson } from './http-server.ts';
import { type ApiRequest, idempotencyKey, intParam, pathParam, readJson } from './request-parts.ts';

const API_PREFIX = '/api/v1';

interface HttpApiSettings {
  maxMessageBytes: number;
  maxBacklogBytes: number;
  maxConnections: number;
  rateLimitPerSecond: number;
  rateLimitBurst: number;
  heartbeatIntervalMs: number;
  presenceLeaseMs: number;
}

export interface HttpApiDeps {
  settings: HttpApiSettings;
  dispatcher: Dispatcher;
  engine: SyncEngine;
  hub: Hub;
  presence: PresenceService;
  auth: Authenticator;
  metrics: Metrics;
  log: Logger;
  refusals: RefusalLog;
  draining: () => boolean;
  /** Fill an empty restaurant with the sample roster and schedule (POST /api/v1/sample). */
  seedSample: (restaurantId: string) => Promise<{ members: number; cells: number }>;
}

export interface HttpApi {
  /** The route to register with the HTTP server; false for paths outside /api/v1. */
  route: HttpDeps['routes'][number];
  /** End every change stream (on shutdown, after the WebSocket drain delivered what committed). */
  close(): void;
}

type Handler = (req: ApiRequest) => Promise<number>;

interface Route {
  /** The metric label. */
  name: string;
  pattern: RegExp;
  methods: Record<string, Handler>;
}

const serverMessage = <M extends ServerMessage>(type: M['type'], payload: M['payload'], seq?: number): ServerMessage =>
  envelope(type, payload, SERVER_CLIENT_ID, 1, seq) as ServerMessage;

/** The same validation as a WebSocket frame, so both transports refuse the same things alike. */
function validated(type: ClientMessage['type'], payload: unknown, clientId: string, sequenceNumber: number): ClientMessage {
  const parsed = validateClientMessage({ type, payload, timestamp: new Date().toISOString(), clientId, sequenceNumber });
  if (!parsed.ok) throw new ApiError(ERROR_STATUS[parsed.error.code], parsed.error);
  return parsed.value;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * The HTTP API (docs/http-api.md): the roster, mutations with version and idempotency key, and a
 * server-sent-events stream of change events. Each request becomes the protocol message it stands
 * for and goes to the same dispatcher as a WebSocket frame, so both transports have one meaning.
 */
export function createHttpApi(deps: HttpApiDeps): HttpApi {
  const { settings, dispatcher, auth, log } = deps;
  const registers = [deps.metrics.registry];
  const requests = new Counter({
    name: 'http_api_requests_total',
    help: 'HTTP API requests by route and status code',
    labelNames: ['route', 'status'] as const,
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
  const streams = new ChangeStreams(deps);

  /** Hand a message to the dispatcher and answer the request with its one reply. */
  async function dispatch(req: ApiRequest, message: ClientMessage): Promise<number> {
    let reply: { type: ServerMessage['type']; payload: unknown; seq?: number } | undefined;
    const delivery: Delivery = {
      replier: { send: (type, payload, seq) => (reply = { type, payload, seq }) },
      presence: {
        set: (clientId, staffId, userName, dateKey) => leases.set(req.session.restaurantId, clientId, staffId, userName, dateKey),
      },
      startedAt: performance.now(),
      transport: 'http',
    };
    await dispatcher.onMessage(req.session, message, delivery);
    if (message.type === 'PRESENCE_SET' && reply === undefined) {
      reply = { type: 'PRESENCE', payload: { editors: await deps.presence.list(req.session.restaurantId) } };
    }
    if (!reply) throw new Error(`the dispatcher did not answer ${message.type}`);
    const status = statusOf(message, reply);
    sendJson(req.response, status, serverMessage(reply.type, reply.payload as never, reply.seq));
    return status;
  }

  /** Decode and validate a body or query as the protocol message `type` carrying the request's key. */
  const message = (req: ApiRequest, type: ClientMessage['type'], payload: unknown): ClientMessage => {
    // A read has no key: it counts as its own client (a signed-in user's budget is by user anyway).
    const { clientId, sequenceNumber } = req.key ?? { clientId: req.session.id, sequenceNumber: 1 };
    return validated(type, payload, clientId, sequenceNumber);
  };
  const body = (req: ApiRequest) => readJson(req.request, settings.maxMessageBytes);

  const routes: Route[] = [
    {
      name: 'hello',
      pattern: /^\/hello$/,
      methods: {
        GET: async (req) => {
          await takeUserToken(req);
          sendJson(req.response, 200, serverMessage('HELLO', dispatcher.hello(req.session)));
          return 200;
        },
      },
    },
    {
      name: 'staff',
      pattern: /^\/staff$/,
      methods: {
        GET: (req) => {
          const payload: Record<string, number> = {};
          const period = intParam(req.url.searchParams.get('period'), 'query.period');
          const sinceSeq = intParam(req.url.searchParams.get('sinceSeq'), 'query.sinceSeq');
          if (period !== undefined) payload.period = period;
          if (sinceSeq !== undefined) payload.sinceSeq = sinceSeq;
          return dispatch(req, message(req, 'SYNC_REQUEST', payload));
        },
        POST: async (req) => dispatch(req, message(req, 'STAFF_CREATE', await body(req))),
      },
    },
    {
      name: 'staff_item',
      pattern: /^\/staff\/([^/]+)$/,
      methods: {
        PATCH: async (req) => {
          const data = await body(req);
          if (isObject(data) && 'staffId' in data) {
            throw apiError(ErrorCode.VALIDATION_FAILED, 'staffId comes from the path, not the body', {
              'payload.staffId': 'not allowed in the body',
            });
          }
          const staffId = pathParam(req.params[0] as string, 'staffId');
          return dispatch(req, message(req, 'STAFF_UPDATE', isObject(data) ? { ...data, staffId } : data));
        },
        DELETE: (req) => {
          const staffId = pathParam(req.params[0] as string, 'staffId');
          const version = intParam(req.url.searchParams.get('version'), 'query.version');
          return dispatch(req, message(req, 'STAFF_DELETE', version === undefined ? { staffId } : { staffId, version }));
        },
      },
    },
    {
      name: 'changes',
      pattern: /^\/changes$/,
      methods: {
        GET: async (req) => {
          await takeUserToken(req);
          return streams.open(req);
        },
      },
    },
    {
      name: 'schedule',
      pattern: /^\/schedule$/,
      methods: {
        GET: (req) => {
          const payload: Record<string, number> = {};
          const periodIndex = intParam(req.url.searchParams.get('periodIndex'), 'query.periodIndex');
          const sinceSeq = intParam(req.url.searchParams.get('sinceSeq'), 'query.sinceSeq');
          if (periodIndex !== undefined) payload.periodIndex = periodIndex;
          if (sinceSeq !== undefined) payload.sinceSeq = sinceSeq;
          return dispatch(req, message(req, 'SHIFT_SYNC_REQUEST', payload));
        },
      },
    },
    {
      name: 'schedule_cell',
      pattern: /^\/schedule\/cell$/,
      methods: { PUT: async (req) => dispatch(req, message(req, 'SHIFT_UPDATE', await body(req))) },
    },
    {
      name: 'schedule_bulk',
      pattern: /^\/schedule\/bulk$/,
      methods: { POST: async (req) => dispatch(req, message(req, 'SHIFT_BULK_UPDATE', await body(req))) },
    },
    {
      name: 'sample',
      pattern: /^\/sample$/,
      methods: {
        POST: async (req) => {
          if (req.session.role !== 'editor') {
            throw apiError(ErrorCode.FORBIDDEN, 'this sign-in may read but not change anything');
          }
          await takeUserToken(req);
          const made = await deps.seedSample(req.session.restaurantId);
          // The sample goes only into an empty restaurant: a second press changes nothing.
          sendJson(req.response, made.members > 0 ? 201 : 200, made);
          return made.members > 0 ? 201 : 200;
        },
      },
    },
    {
      name: 'presence',
      pattern: /^\/presence$/,
      methods: { PUT: async (req) => dispatch(req, message(req, 'PRESENCE_SET', await body(req))) },
    },
  ];

  /** The per-user budget for requests that are not protocol messages (the dispatcher takes it for those). */
  async function takeUserToken(req: ApiRequest): Promise<void> {
    if (!(await dispatcher.takeUserToken(req.session, req.key?.clientId ?? req.session.id))) {
      throw apiError(
        ErrorCode.RATE_LIMITED,
        'too many requests from this user over all connections; slow down and send this one again',
      );
    }
  }

  /** Everything every route needs first: not draining, an allowed method, a sign-in, the per-client rate. */
  async function admit(request: IncomingMessage, response: ServerResponse, url: URL, route: Route, params: string[]) {
    const method = request.method ?? 'GET';
    if (deps.draining()) throw apiError(ErrorCode.INTERNAL, 'the server is shutting down; send this again', undefined, 503);
    const handler = route.methods[method];
    if (!handler) {
      const allowed = Object.keys(route.methods).join(', ');
      throw apiError(ErrorCode.INVALID_MESSAGE, `${method} is not allowed here; use ${allowed}`, undefined, 405);
    }
    const signIn = await auth.authenticate(request, url);
    if (!signIn.ok) {
      throw apiError(
        signIn.status === 401 ? ErrorCode.UNAUTHORIZED : ErrorCode.FORBIDDEN,
        signIn.message,
        undefined,
        signIn.status,
      );
    }
    const key = method !== 'GET' ? idempotencyKey(request) : undefined;
    const language = languageOf(request.headers['accept-language'], url.searchParams.get('lang'));
    const session = sessionOf(randomUUID(), signIn.identity, undefined, 'v1', language);
    const bucketKey = `${session.restaurantId}|${key?.clientId ?? request.socket.remoteAddress ?? 'unknown'}`;
    if (!buckets.take(bucketKey)) {
      deps.refusals.refused('http', session.restaurantId);
      throw apiError(ErrorCode.RATE_LIMITED, 'too many requests; slow down and send this one again', undefined, 429);
    }
    return handler({ request, response, url, params, session, key });
  }

  return {
    close() {
      streams.close();
      buckets.stop();
      leases.stop();
    },
    async route(request, response, url) {
      if (url.pathname !== API_PREFIX && !url.pathname.startsWith(`${API_PREFIX}/`)) return false;
      const path = url.pathname.slice(API_PREFIX.length);
      const route = routes.find((r) => r.pattern.test(path));
      const name = route?.name ?? 'unknown';
      try {
        if (!route) throw apiError(ErrorCode.NOT_FOUND, `nothing at ${request.method} ${url.pathname}`);
        const status = await admit(request, response, url, route, route.pattern.exec(path)?.slice(1) ?? []);
        requests.inc({ route: name, status: String(status) });
      } catch (error) {
        if (!(error instanceof ApiError)) {
          log.error({ err: error, route: name }, 'HTTP API request failed');
          if (response.headersSent) {
            response.destroy();
            return true;
          }
        }
        const failure = error instanceof ApiError ? error : apiError(ErrorCode.INTERNAL, 'internal error; send this again');
        requests.inc({ route: name, status: String(failure.status) });
        const headers: Record<string, string> = {};
        if (failure.status === 429 || failure.status === 503) headers['Retry-After'] = '1';
        if (failure.status === 413 || failure.status === 415) headers.Connection = 'close';
        if (failure.status === 405 && route) headers.Allow = Object.keys(route.methods).join(', ');
        if (!response.headersSent) sendJson(response, failure.status, serverMessage('ERROR', failure.payload), headers);
      }
      return true;
    },
  };
}

/** The HTTP status of the dispatcher's reply to `message`. */
function statusOf(message: ClientMessage, reply: { type: string; payload: unknown }): number {
  switch (reply.type) {
    case 'ACK':
      return message.type === 'STAFF_CREATE' && !(reply.payload as { duplicate?: true }).duplicate ? 201 : 200;
    case 'CONFLICT':
      return 409;
    case 'ERROR':
      return ERROR_STATUS[(reply.payload as { code: ErrorCode }).code] ?? 400;
    default:
      return 200;
  }
}

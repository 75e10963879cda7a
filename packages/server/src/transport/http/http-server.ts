import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../../logger.ts';
import type { Metrics } from '../../metrics.ts';
import { requestIdOf } from '../request-id.ts';

export interface HttpDeps {
  metrics: Metrics;
  /** One line per request (path without the query, which may hold a token), with its request id. */
  log?: Logger;
  serverVersion: string;
  startedAt: number;
  activeConnections: () => number;
  draining: () => boolean;
  /** True when the database answers (bounded in time). */
  databaseUp: () => Promise<boolean>;
  /** Whether committed changes reach subscribers (docs/operations.md, "When PostgreSQL restarts"). */
  changeFeed?: () => { listening: boolean; following: boolean; behind: number };
  /** Names of migrations not yet applied. */
  pendingMigrations: () => Promise<string[]>;
  /** Further routes (the HTTP API, the web app); return false when the request is not theirs. */
  routes: ((request: IncomingMessage, response: ServerResponse, url: URL) => Promise<boolean> | boolean)[];
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  response.end(text);
}

/** /health (liveness, the plan's fields), /ready (readiness), /metrics, then the other routes. */
export function createHttpServer(deps: HttpDeps): Server {
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const requestId = requestIdOf(request);
    response.setHeader('X-Request-Id', requestId);
    const startedAt = performance.now();
    response.once('finish', () => {
      // Probes and scrapes come every few seconds: debug, so that info shows what people did.
      const routine = url.pathname === '/health' || url.pathname === '/ready' || url.pathname === '/metrics';
      deps.log?.[routine ? 'debug' : 'info'](
        {
          requestId,
          method: request.method,
          path: url.pathname,
          status: response.statusCode,
          ms: Math.round(performance.now() - startedAt),
        },
        'http request',
      );
    });
    try {
      if (request.method === 'GET' && url.pathname === '/health') {
        const up = await deps.databaseUp();
        return sendJson(response, up ? 200 : 503, {
          status: up ? 'healthy' : 'unhealthy',
          active_connections: deps.activeConnections(),
          uptime: Math.round((Date.now() - deps.startedAt) / 1000),
          supabase_connected: up,
          version: deps.serverVersion,
        });
      }
      if (request.method === 'GET' && url.pathname === '/ready') {
        const [database, pending] = await Promise.all([deps.databaseUp(), deps.pendingMigrations().catch(() => ['unknown'])]);
        const draining = deps.draining();
        const feed = deps.changeFeed?.() ?? { listening: true, following: true, behind: 0 };
        const ready = database && pending.length === 0 && !draining && feed.following;
        return sendJson(response, ready ? 200 : 503, {
          ready,
          checks: {
            database,
            migrations: pending.length === 0 ? 'applied' : `pending: ${pending.join(', ')}`,
            draining,
            changeFeed: feed.listening ? 'listening' : feed.following ? 'polling' : 'not following',
            changeFeedBehind: feed.behind,
          },
        });
      }
      if (request.method === 'GET' && url.pathname === '/metrics') {
        const body = await deps.metrics.registry.metrics();
        response.writeHead(200, { 'Content-Type': deps.metrics.registry.contentType });
        return response.end(body);
      }
      for (const route of deps.routes) if (await route(request, response, url)) return;
      sendJson(response, 404, { error: `nothing at ${request.method} ${url.pathname}` });
    } catch (error) {
      deps.log?.error({ err: error, requestId, method: request.method, path: url.pathname }, 'http request failed');
      if (!response.headersSent) sendJson(response, 500, { error: 'internal error' });
      else response.destroy(error as Error);
    }
  });
  server.keepAliveTimeout = 65_000; // longer than common proxy idle timeouts
  return server;
}

import { randomUUID } from 'node:crypto';
import { ErrorCode, envelope, SERVER_CLIENT_ID, type ServerMessage } from '@staff-sync/protocol';
import { Counter, Gauge } from 'prom-client';
import type { SyncEngine } from '../../engine/sync-engine.ts';
import type { Hub } from '../../fanout/hub.ts';
import type { Metrics } from '../../metrics.ts';
import type { PresenceService } from '../../presence/presence-service.ts';
import { apiError } from './api-errors.ts';
import { EventStream, type StreamEndReason } from './event-stream.ts';
import { type ApiRequest, intParam } from './request-parts.ts';

export interface ChangeStreamDeps {
  settings: { maxConnections: number; maxBacklogBytes: number; heartbeatIntervalMs: number };
  engine: SyncEngine;
  hub: Hub;
  presence: PresenceService;
  metrics: Metrics;
}

/**
 * The open change streams (GET /api/v1/changes): each a hub subscriber like a WebSocket, bounded
 * by MAX_CONNECTIONS, counted, and ended on shutdown.
 */
export class ChangeStreams {
  readonly #deps: ChangeStreamDeps;
  readonly #streams = new Set<EventStream>();
  readonly #active: Gauge;
  readonly #ended: Counter<'reason'>;

  constructor(deps: ChangeStreamDeps) {
    this.#deps = deps;
    const registers = [deps.metrics.registry];
    this.#active = new Gauge({ name: 'http_api_event_streams_active', help: 'Open change streams', registers });
    this.#ended = new Counter({
      name: 'http_api_event_streams_ended_total',
      help: 'Change streams ended, by reason (client, backlog, resync, error, shutdown, token_expired)',
      labelNames: ['reason'] as const,
      registers,
    });
  }

  /** Open a stream from the request's sinceSeq (or Last-Event-ID); resolves with the status sent. */
  async open(req: ApiRequest): Promise<number> {
    const { settings, engine, hub, presence } = this.#deps;
    // An EventSource that reconnects sends the id of the last event it got; that wins over the URL.
    const sinceSeq =
      intParam(req.request.headers['last-event-id'] as string | undefined, 'headers.last-event-id') ??
      intParam(req.url.searchParams.get('sinceSeq'), 'query.sinceSeq');
    if (sinceSeq === undefined) {
      throw apiError(ErrorCode.VALIDATION_FAILED, 'sinceSeq is required: the seq of the roster you hold', {
        'query.sinceSeq': 'is required',
      });
    }
    if (this.#streams.size >= settings.maxConnections) {
      throw apiError(ErrorCode.RATE_LIMITED, 'too many change streams; try again later', undefined, 503);
    }
    const stream = new EventStream(
      req.response,
      { ...req.session, id: randomUUID() },
      { maxBacklogBytes: settings.maxBacklogBytes, keepAliveMs: settings.heartbeatIntervalMs },
      (s, reason) => this.#onEnd(s, reason),
    );
    this.#streams.add(stream);
    this.#active.inc();
    stream.open(sinceSeq);
    // Joining before the read means nothing committed in between is missed (it is held, then
    // released after the catch-up).
    await hub.join(stream);
    if (stream.ended) return 200;
    const result = await engine.sync(req.session.restaurantId, { sinceSeq });
    if (stream.ended) return 200;
    if (!result.ok) {
      stream.fail(envelope('ERROR', result.error, SERVER_CLIENT_ID, 1) as ServerMessage);
      return 200;
    }
    if (result.payload.full) {
      stream.resync(result.seq, 'the changes after sinceSeq are no longer kept; take a full snapshot (GET /api/v1/staff)');
      return 200;
    }
    stream.catchUp(result.payload.changes, result.seq);
    // Who edits what right now, as a WebSocket gets it after connecting.
    presence.greet(stream);
    return 200;
  }

  close(): void {
    for (const stream of [...this.#streams]) stream.end('shutdown');
  }

  #onEnd(stream: EventStream, reason: StreamEndReason): void {
    if (!this.#streams.delete(stream)) return;
    this.#deps.hub.leave(stream);
    this.#active.dec();
    this.#ended.inc({ reason });
  }
}

import {
  type ClientMessage,
  ErrorCode,
  type ErrorPayload,
  type HelloPayload,
  isMutation,
  type MutationMessage,
  PROTOCOL_VERSION,
  type ShiftSyncResponsePayload,
} from '@staff-sync/protocol';
import type { SyncEngine } from '../engine/sync-engine.ts';
import type { UserRateLimiter } from '../limits/user-rate-limit.ts';
import type { Metrics } from '../metrics.ts';
import type { RefusalLog } from '../ops/refusal-log.ts';
import { MutationTimer } from './mutation-timer.ts';
import type { PresenceSink, Replier, Session } from './session.ts';

export interface DispatcherDeps {
  engine: SyncEngine;
  /** Messages per user over all connections and transports (and replicas, with Redis). */
  userLimiter: UserRateLimiter;
  timer: MutationTimer;
  metrics: Metrics;
  /** Counts and logs every RATE_LIMITED answer. */
  refusals: RefusalLog;
  settings: { maxMessageBytes: number; maxPendingMessages: number };
  serverVersion: string;
}

/** What the dispatcher needs from the transport besides the message. */
export interface Delivery {
  replier: Replier;
  presence: PresenceSink;
  /** When the frame or request arrived (performance.now()). */
  startedAt: number;
  /** Which transport brought it: `websocket_messages_total` counts the WebSocket's only. */
  transport: 'websocket' | 'http';
  /**
   * Called once a mutation has its place in the commit order (queued for group commit), so that
   * the transport may start the sender's next mutation before this one commits.
   */
  ordered?: () => void;
}

/**
 * The one place that decides what a client message means, whichever transport brought it
 * (partyserver's onMessage): the per-user limit, roles, HELLO, presence, sync, mutations and their
 * metrics. Transports parse, keep their own per-connection limits, and hand over a validated
 * message with its session.
 */
type PeriodCells = { seq: number; payload: ShiftSyncResponsePayload } | undefined;

export class Dispatcher {
  readonly #d: DispatcherDeps;
  /** Period reads under way, by restaurant and period: the plain connections announcing one bulk share one. */
  readonly #periodReads = new Map<string, Promise<PeriodCells>>();

  constructor(deps: DispatcherDeps) {
    this.#d = deps;
  }

  /** The greeting a client gets on connect (WebSocket) or asks for (GET /api/v1/hello). */
  hello(session: Session): HelloPayload {
    const { settings, engine, serverVersion } = this.#d;
    const threshold = engine.assistThreshold;
    const hello: HelloPayload = {
      protocolVersion: PROTOCOL_VERSION,
      serverVersion,
      connectionId: session.id,
      restaurantId: session.restaurantId,
      role: session.role,
      strategy: engine.strategy,
      limits: { maxMessageBytes: settings.maxMessageBytes, maxOutboxHint: settings.maxPendingMessages },
    };
    if (threshold !== undefined) hello.assist = { confidence: threshold };
    return hello;
  }

  /** The name others see in presence: the token's, else the one the client gives, else a short id. */
  presenceName(session: Session, clientId: string, given: string | undefined): string {
    return session.userName ?? given ?? clientId.slice(0, 8);
  }

  /**
   * A period's cells covering at least `seq` (for a plain client's answer to a bulk change whose last
   * cell is `seq`); undefined when it cannot be read. Every plain connection of the restaurant asks
   * in the same fan-out pass: they share one read instead of one each (docs/protocol.md, "The
   * shift schedule"). A shared read that turns out older than `seq` is not used: a new one is made.
   */
  async periodCells(session: Session, periodIndex: number, seq: number): Promise<PeriodCells> {
    const key = JSON.stringify([session.restaurantId, periodIndex]);
    const shared = this.#periodReads.get(key);
    if (shared) {
      const answer = await shared;
      if (answer && answer.seq >= seq) return answer;
    }
    let read = this.#periodReads.get(key);
    if (!read || read === shared) {
      read = this.#d.engine
        .shiftSync(session.restaurantId, { periodIndex })
        .then((result) => (result.ok && result.kind === 'cells' ? { seq: result.seq, payload: result.payload } : undefined));
      const mine = read;
      this.#periodReads.set(key, mine);
      const done = () => {
        if (this.#periodReads.get(key) === mine) this.#periodReads.delete(key);
      };
      mine.then(done, done);
    }
    return read;
  }

  /** Take one message's token from the user's budget; false (counted) when the user is over it. */
  async takeUserToken(session: Session, clientId: string): Promise<boolean> {
    // Signed in: the token's user; otherwise each client instance counts as a user.
    if (await this.#d.userLimiter.take(`${session.restaurantId}|${session.userId ?? clientId}`)) return true;
    this.#d.refusals.refused('user', session.restaurantId);
    return false;
  }

  /** Answer with ERROR (a frame refused before it became a message, or a message refused): counted, nothing else. */
  refuse(delivery: Delivery, type: string, error: ErrorPayload): void {
    delivery.replier.send('ERROR', error);
    this.#count(delivery, 'out', 'ERROR');
    this.#observe(type, delivery.startedAt);
  }

  /** Handle one validated message. Resolves once it is answered (for a mutation: committed). */
  async onMessage(session: Session, message: ClientMessage, delivery: Delivery): Promise<void> {
    const { replier, startedAt } = delivery;
    this.#count(delivery, 'in', message.type);
    if (message.type === 'PING') {
      // A plain client times its round trip with the timestamp it sent; it comes back.
      const { timestamp } = message.payload;
      replier.send('PONG', session.dialect === 'plain' && typeof timestamp === 'string' ? { timestamp } : {});
      return this.#observe(message.type, startedAt);
    }
    if (!(await this.takeUserToken(session, message.clientId))) {
      return this.refuse(delivery, message.type, {
        code: ErrorCode.RATE_LIMITED,
        message: 'too many messages from this user over all connections; slow down and send this one again',
        sequenceNumber: message.sequenceNumber,
      });
    }
    if (message.type === 'SYNC_REQUEST') return this.#sync(session, message, replier, startedAt);
    if (message.type === 'SYNC_ALL_PERIODS_REQUEST') return this.#syncAllPeriods(session, message, replier, startedAt);
    if (message.type === 'SHIFT_SYNC_REQUEST') return this.#shiftSync(session, message, replier, startedAt);
    if (message.type === 'PRESENCE_SET') return this.#presence(session, message, delivery);
    if (isMutation(message)) return this.#mutate(session, message, delivery);
  }

  async #sync(
    session: Session,
    message: Extract<ClientMessage, { type: 'SYNC_REQUEST' }>,
    replier: Replier,
    startedAt: number,
  ): Promise<void> {
    const payload = { ...message.payload };
    if (payload.period === undefined && session.period !== undefined) payload.period = session.period;
    replier.holdChanges?.();
    const result = await this.#d.engine.sync(session.restaurantId, payload);
    if (result.ok) {
      replier.send('SYNC_RESPONSE', result.payload, result.seq);
      // A delta covers every collection; a full snapshot the roster only.
      replier.releaseChanges?.(result.seq, result.payload.full ? 'staff' : undefined);
    } else {
      replier.send('ERROR', { ...result.error, sequenceNumber: message.sequenceNumber });
      replier.releaseChanges?.(undefined);
    }
    this.#observe(message.type, startedAt);
  }

  async #syncAllPeriods(
    session: Session,
    message: Extract<ClientMessage, { type: 'SYNC_ALL_PERIODS_REQUEST' }>,
    replier: Replier,
    startedAt: number,
  ): Promise<void> {
    replier.holdChanges?.();
    const result = await this.#d.engine.syncAllPeriods(session.restaurantId);
    if (result.ok) {
      replier.send('SYNC_ALL_PERIODS_RESPONSE', result.payload, result.seq);
      replier.releaseChanges?.(result.seq, 'staff');
    } else {
      replier.send('ERROR', { ...result.error, sequenceNumber: message.sequenceNumber });
      replier.releaseChanges?.(undefined);
    }
    this.#observe(message.type, startedAt);
  }

  async #shiftSync(
    session: Session,
    message: Extract<ClientMessage, { type: 'SHIFT_SYNC_REQUEST' }>,
    replier: Replier,
    startedAt: number,
  ): Promise<void> {
    replier.holdChanges?.();
    const result = await this.#d.engine.shiftSync(session.restaurantId, message.payload);
    if (!result.ok) {
      replier.send('ERROR', { ...result.error, sequenceNumber: message.sequenceNumber });
      replier.releaseChanges?.(undefined);
    } else {
      if (result.kind === 'delta') {
        replier.send('SYNC_RESPONSE', result.payload, result.seq);
        replier.releaseChanges?.(result.seq);
      } else {
        replier.send('SHIFT_SYNC_RESPONSE', result.payload, result.seq);
        replier.releaseChanges?.(result.seq, 'shift');
      }
    }
    this.#observe(message.type, startedAt);
  }

  #presence(session: Session, message: Extract<ClientMessage, { type: 'PRESENCE_SET' }>, delivery: Delivery): void {
    const name = this.presenceName(session, message.clientId, message.payload.userName);
    const { staffId, dateKey } = message.payload;
    if (delivery.presence.set(message.clientId, staffId, name, staffId === null ? undefined : (dateKey ?? undefined))) {
      this.#observe(message.type, delivery.startedAt);
      return;
    }
    this.#d.refusals.refused('presence', session.restaurantId);
    this.refuse(delivery, message.type, {
      code: ErrorCode.RATE_LIMITED,
      message: 'too many clients have set presence on this server; try again later',
      sequenceNumber: message.sequenceNumber,
    });
  }

  async #mutate(session: Session, message: MutationMessage, delivery: Delivery): Promise<void> {
    const { engine, timer } = this.#d;
    if (session.role !== 'editor') {
      engine.countForbidden(message.type);
      return this.refuse(delivery, message.type, {
        code: ErrorCode.FORBIDDEN,
        message: 'this sign-in may read the roster but not change it',
        sequenceNumber: message.sequenceNumber,
      });
    }
    const key = MutationTimer.key(session.restaurantId, message.clientId, message.sequenceNumber);
    timer.start(key, message.type, delivery.startedAt);
    const outcome = await engine.mutate(session, message, delivery.ordered);
    delivery.replier.send(outcome.type, outcome.payload);
    this.#count(delivery, 'out', outcome.type);
    // An applied change is timed to its fan-out (which may already have happened); others end here.
    if (outcome.type !== 'ACK' || outcome.payload.duplicate) timer.finish(key);
  }

  #count(delivery: Delivery, direction: 'in' | 'out', type: string): void {
    if (delivery.transport === 'websocket') this.#d.metrics.messagesTotal.inc({ direction, type });
  }

  #observe(type: string, startedAt: number): void {
    this.#d.metrics.messageDuration.observe({ type }, (performance.now() - startedAt) / 1000);
  }
}

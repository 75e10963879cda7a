import {
  type Envelope,
  envelope,
  type PlainContext,
  SERVER_CLIENT_ID,
  type ServerMessage,
  type ShiftSyncResponsePayload,
  toPlainMessage,
} from '@staff-sync/protocol';
import type { WebSocket } from 'ws';
import type { Replier, Session } from '../../dispatch/session.ts';
import { type ChangeBatch, ChangeGate, eventText, type HubEvent } from '../../fanout/change-batch.ts';
import { TokenBucket } from '../../limits/token-bucket.ts';
import { type PassFrameCounters, passFrame, sendOwnMessage, sendPassFrame } from './pass-frame.ts';

export interface ConnectionLimits {
  maxBacklogBytes: number;
  maxPendingMessages: number;
  rateLimitPerSecond: number;
  rateLimitBurst: number;
}

/** A period's cells and the seq they reflect (at least `seq`, the bulk's last), for a plain client's answer to a bulk change. */
export type BulkAnswer = (
  periodIndex: number,
  seq: number,
) => Promise<{ seq: number; payload: ShiftSyncResponsePayload } | undefined>;

export type CloseReason = 'backlog' | 'heartbeat' | 'shutdown' | 'token_expired' | 'oversized';

// Every connection with something queued is flushed in one pass per event-loop turn, so what one
// client is owed in a turn goes out as one frame (a JSON array when there is more than one message).
const dirty = new Set<Connection>();
let flushScheduled = false;
function scheduleFlush(connection: Connection): void {
  dirty.add(connection);
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(() => {
    flushScheduled = false;
    for (const c of dirty) c.flush();
    dirty.clear();
  });
}

const noValue = (): void => {};

/**
 * One client's WebSocket: an outbound queue with a byte limit, change events held back while a
 * sync is being answered, and inbound messages processed one at a time in arrival order.
 */
export class Connection implements Replier {
  readonly info: Session;
  readonly ws: WebSocket;
  readonly bucket: TokenBucket;
  /** The clientId the client's messages carry (known after its first valid message). */
  clientId: string | undefined;
  lastSeenAt = Date.now();
  pingSentAt: number | undefined;
  /** How a plain client's loose messages are completed: its clientId, numbers for unsequenced ones. */
  readonly plain: PlainContext;

  readonly #limits: ConnectionLimits;
  readonly #onOverflow: (connection: Connection, reason: CloseReason) => void;
  readonly #counters: PassFrameCounters;
  readonly #bulkAnswer: BulkAnswer | undefined;
  #queue: string[] = [];
  #queuedBytes = 0;
  #closed = false;
  /** Change events around a sync: held while it is answered, covered ones dropped after. */
  readonly #gate = new ChangeGate();
  #serverSequence = 0;
  #pending = 0;
  /** Resolves once every message so far has been processed. */
  #settled: Promise<unknown> = Promise.resolve();
  /** Resolves once every message so far is processed or, for a mutation, has its place in the commit order. */
  #ordered: Promise<void> = Promise.resolve();

  constructor(
    ws: WebSocket,
    info: Session,
    limits: ConnectionLimits,
    onOverflow: (connection: Connection, reason: CloseReason) => void,
    counters: PassFrameCounters,
    bulkAnswer?: BulkAnswer,
  ) {
    this.#bulkAnswer = bulkAnswer;
    this.#counters = counters;
    this.ws = ws;
    this.info = info;
    this.#limits = limits;
    this.#onOverflow = onOverflow;
    this.bucket = new TokenBucket(limits.rateLimitPerSecond, limits.rateLimitBurst);
    let unsequenced = 0;
    this.plain = { connectionId: info.id, unsequenced: () => --unsequenced };
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Send a server message (not a change event): stamped with this connection's own counter. */
  send<M extends ServerMessage>(type: M['type'], payload: M['payload'], seq?: number): void {
    const message: Envelope = envelope(type, payload, SERVER_CLIENT_ID, ++this.#serverSequence, seq);
    const text = JSON.stringify(this.info.dialect === 'plain' ? toPlainMessage(message) : message);
    this.#enqueue(text, Buffer.byteLength(text));
  }

  /** Send a change event, serialized once for everyone of this dialect by the hub. */
  sendChange(event: HubEvent): void {
    if (this.#closed) return;
    const verdict = this.#gate.admit(event);
    if (verdict === 'held') this.#checkBacklog();
    if (verdict !== 'send') return;
    if (this.info.dialect === 'plain' && event.bulk) {
      // The real app's schedule screens get a bulk change as one SHIFT_SYNC_RESPONSE, after its last cell.
      if (event.bulk.left === 0) this.#announceBulk(event.bulk.periodIndex, event.seq);
      return;
    }
    this.#enqueue(eventText(event, this.info.dialect), event.bytes);
  }

  /**
   * The period's cells, to everyone after a bulk change (`broadcast: true`): later changes wait
   * until it is out, and those it covers are not sent again.
   */
  #announceBulk(periodIndex: number, seq: number): void {
    if (!this.#bulkAnswer) return;
    this.#gate.hold();
    this.#bulkAnswer(periodIndex, seq).then(
      (answer) => {
        if (answer) this.send('SHIFT_SYNC_RESPONSE', { ...answer.payload, broadcast: true }, answer.seq);
        this.releaseChanges(answer?.seq, 'shift');
      },
      () => this.releaseChanges(undefined),
    );
  }

  /**
   * The events of one fan-out pass. When this client is up to date and owes nothing else, the
   * batch's shared frame goes out as it is (one write, no serialization or compression of its
   * own); otherwise the events take the one-by-one path, which holds, filters and orders them.
   */
  sendBatch(batch: ChangeBatch): void {
    if (this.#closed) return;
    // Something else queued first must go first: then the events queue behind it. A plain
    // client reads one message per frame, so its events always go one by one.
    if (this.info.dialect === 'plain' || this.#queue.length > 0 || !this.#gate.admitBatch(batch)) {
      for (const e of batch.events) this.sendChange(e);
      return;
    }
    if (this.ws.readyState !== this.ws.OPEN) return;
    // Compressed once for the pass when the socket allows it (transport/ws/pass-frame.ts); the
    // backlog counts what this socket is actually given.
    const out = passFrame(this.ws, batch, this.info.dialect, this.#counters);
    if (this.ws.bufferedAmount + out.bytes > this.#limits.maxBacklogBytes) {
      this.#onOverflow(this, 'backlog');
      return;
    }
    sendPassFrame(this.ws, out, this.#counters);
  }

  /** From now until {@link releaseChanges}, change events are held back (a sync is being answered). */
  holdChanges(): void {
    this.#gate.hold();
  }

  /**
   * The sync response covering up to `seq` has been queued: release the held change events after
   * it, in order. Without a seq (the sync failed) the held events go out as they are.
   */
  releaseChanges(seq: number | undefined, only?: string): void {
    for (const e of this.#gate.release(seq, only)) this.sendChange(e);
  }

  /**
   * Queue an inbound message for processing after the ones before it. Returns false when too
   * many are already waiting. A message starts once the ones before it are done, except that a
   * mutation starts as soon as the one before it has its place in the commit order (`ordered`,
   * called by group commit when its statement is queued, docs/architecture.md "Group commit"): a
   * connection's mutations then commit in the order they came, in one group, instead of one
   * commit each. Anything else waits for every mutation before it to be answered.
   */
  process(work: (ordered: () => void, previous: Promise<unknown>) => Promise<void>, kind: 'mutation' | 'other'): boolean {
    if (this.#pending >= this.#limits.maxPendingMessages) return false;
    this.#pending++;
    let markOrdered = () => {};
    const ordered = new Promise<void>((resolve) => {
      markOrdered = resolve;
    });
    const previous = this.#settled;
    const run = (kind === 'mutation' ? this.#ordered : previous)
      .then(() => work(markOrdered, previous))
      .finally(() => {
        this.#pending--;
        markOrdered();
      });
    this.#ordered = ordered;
    // Settles with nothing: Promise.all's value would nest every earlier message's ([[[..], r], r]),
    // a list as long as the connection's life.
    this.#settled = Promise.all([this.#settled, run]).then(noValue);
    return true;
  }

  /** Resolves when every message received so far has been processed. */
  idle(): Promise<void> {
    return this.#settled.then(() => {});
  }

  #enqueue(text: string, bytes: number): void {
    if (this.#closed) return;
    this.#queue.push(text);
    this.#queuedBytes += bytes;
    if (this.#checkBacklog()) scheduleFlush(this);
  }

  /** False (and the connection closing) when the client is owed more than the limit. */
  #checkBacklog(): boolean {
    if (this.ws.bufferedAmount + this.#queuedBytes + this.#gate.heldBytes <= this.#limits.maxBacklogBytes) return true;
    this.#onOverflow(this, 'backlog');
    return false;
  }

  flush(): void {
    if (this.#closed || this.#queue.length === 0) return;
    // Emptied in place, not replaced (see the hub's pass: a dropped old array keeps young texts alive).
    const queue = this.#queue.splice(0);
    this.#queuedBytes = 0;
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (this.info.dialect === 'plain') for (const text of queue) sendOwnMessage(this.ws, text);
    else sendOwnMessage(this.ws, queue.length === 1 ? (queue[0] as string) : `[${queue.join(',')}]`);
  }

  /** Mark closed: nothing more is queued or sent. */
  markClosed(): void {
    this.#closed = true;
    this.#queue = [];
    this.#gate.clear();
    this.#queuedBytes = 0;
    dirty.delete(this);
  }
}

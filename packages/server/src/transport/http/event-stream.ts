import type { ServerResponse } from 'node:http';
import { type AnyChangeEvent, envelope, SERVER_CLIENT_ID, type ServerMessage } from '@staff-sync/protocol';
import { tokenExpiryTimer } from '../../auth/token-expiry.ts';
import type { Session } from '../../dispatch/session.ts';
import { type ChangeBatch, ChangeGate, type HubEvent, sseEvent } from '../../fanout/change-batch.ts';
import type { Subscriber } from '../../fanout/hub.ts';

export interface EventStreamLimits {
  /** Bytes written but not yet taken by the client, plus events held during the catch-up. */
  maxBacklogBytes: number;
  /** A stream silent this long gets a keep-alive comment. */
  keepAliveMs: number;
}

export type StreamEndReason = 'client' | 'backlog' | 'resync' | 'error' | 'shutdown' | 'token_expired';

/**
 * One server-sent-events stream of a restaurant's change events (GET /api/v1/changes). It joins
 * the hub like a WebSocket connection does, so each change is serialized once for every
 * subscriber; the `id:` of each event is its seq, so a reconnecting EventSource resumes with
 * Last-Event-ID. Live events are held back until the catch-up from `sinceSeq` has been written,
 * then released after it without repeats: the client sees S+1, S+2, ... exactly.
 */
export class EventStream implements Subscriber {
  readonly info: Session;
  readonly #response: ServerResponse;
  readonly #limits: EventStreamLimits;
  readonly #onEnd: (stream: EventStream, reason: StreamEndReason) => void;
  /** Live events are held until the catch-up from sinceSeq has been written. */
  readonly #gate = new ChangeGate({ sentSeq: 0, holding: true });
  #serverSequence = 0;
  #ended = false;
  #keepAlive: NodeJS.Timeout | undefined;
  #expiry: NodeJS.Timeout | undefined;

  constructor(
    response: ServerResponse,
    info: Session,
    limits: EventStreamLimits,
    onEnd: (stream: EventStream, reason: StreamEndReason) => void,
  ) {
    this.#response = response;
    this.info = info;
    this.#limits = limits;
    this.#onEnd = onEnd;
    response.on('close', () => this.end('client'));
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Send the headers; from here the response is the stream. */
  open(sinceSeq: number): void {
    this.#gate.sentSeq = sinceSeq;
    this.#response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      // nginx buffers responses by default, which would hold events back until the buffer fills.
      'X-Accel-Buffering': 'no',
    });
    // An EventSource that loses the stream tries again after this many ms.
    this.#write('retry: 2000\n\n');
    this.#keepAlive = setInterval(() => this.#write(': keep-alive\n\n'), this.#limits.keepAliveMs);
    this.#keepAlive.unref();
    // A stream reads only as long as its token is good: at expiry it says so and ends, and the
    // client comes back with a fresh token and the seq it holds.
    this.#expiry = tokenExpiryTimer(this.info.expiresAt, () => this.expire());
  }

  /** The token ran out: one `event: expired`, then the end of the stream. */
  expire(): void {
    this.#write(`event: expired\ndata: ${JSON.stringify({ reason: 'token expired; sign in again' })}\n\n`);
    this.end('token_expired');
  }

  /** Write the catch-up (changes after sinceSeq up to `seq`), then release the held live events. */
  catchUp(changes: readonly AnyChangeEvent[], seq: number): void {
    for (const change of changes) this.#writeChange(change.seq, JSON.stringify(change));
    for (const e of this.#gate.release(seq)) this.sendChange(e);
  }

  /** Called by the hub for each committed change of the restaurant, serialized once for all. */
  sendChange(event: HubEvent): void {
    if (this.#ended) return;
    const verdict = this.#gate.admit(event);
    if (verdict === 'held') this.#checkBacklog();
    else if (verdict === 'send') this.#writeChange(event.seq, event.text);
  }

  /**
   * The events of one fan-out pass: one write of the batch's shared text when this stream is up
   * to date, else one by one through the gate (held during the catch-up, covered ones dropped).
   */
  sendBatch(batch: ChangeBatch): void {
    if (this.#ended) return;
    if (!this.#gate.admitBatch(batch)) {
      for (const e of batch.events) this.sendChange(e);
      return;
    }
    this.#write(batch.sse());
  }

  /** Any other server message (PRESENCE from the hub), as a named event. */
  send<M extends ServerMessage>(type: M['type'], payload: M['payload']): void {
    if (this.#ended) return;
    const message = envelope(type, payload, SERVER_CLIENT_ID, ++this.#serverSequence);
    this.#write(`event: ${type.toLowerCase()}\ndata: ${JSON.stringify(message)}\n\n`);
  }

  /** Tell the client the delta is gone and end the stream: it must take a full snapshot. */
  resync(seq: number, reason: string): void {
    this.#write(`event: resync\ndata: ${JSON.stringify({ seq, reason })}\n\n`);
    this.end('resync');
  }

  /** An ERROR message as a named event, then the end of the stream. */
  fail(message: ServerMessage): void {
    this.#write(`event: error\ndata: ${JSON.stringify(message)}\n\n`);
    this.end('error');
  }

  end(reason: StreamEndReason): void {
    if (this.#ended) return;
    this.#ended = true;
    clearInterval(this.#keepAlive);
    clearTimeout(this.#expiry);
    this.#gate.clear();
    // A client that stopped reading would never take the rest of a full buffer.
    if (reason === 'backlog') this.#response.destroy();
    else this.#response.end();
    this.#onEnd(this, reason);
  }

  #writeChange(seq: number, text: string): void {
    this.#gate.sentSeq = seq;
    this.#write(sseEvent(seq, text));
  }

  #write(text: string): void {
    if (this.#ended || this.#response.destroyed) return;
    this.#response.write(text);
    this.#checkBacklog();
  }

  #checkBacklog(): void {
    if (this.#response.writableLength + this.#gate.heldBytes > this.#limits.maxBacklogBytes) this.end('backlog');
  }
}

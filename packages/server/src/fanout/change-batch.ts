import type { Dialect } from '@staff-sync/protocol';

/** One change event, serialized once by the hub for every subscriber of a dialect. */
export interface HubEvent {
  seq: number;
  /** As `staff-sync.v1` clients (and change streams) get it. */
  text: string;
  bytes: number;
  /** As plain-dialect clients get it, built the first time one needs it (default: `text`). */
  plain?: () => string;
}

/** The event's text in a dialect. */
export const eventText = (event: HubEvent, dialect: Dialect): string =>
  dialect === 'plain' && event.plain ? event.plain() : event.text;

/**
 * The change events of one restaurant gathered in one fan-out pass, in seq order. Its frame (one
 * message, or a JSON array of them) is built at most once and the same bytes go to every
 * subscriber that is up to date, so a pass costs one socket write per subscriber and no
 * per-subscriber serialization.
 */
export class ChangeBatch {
  readonly events: readonly HubEvent[];
  readonly bytes: number;
  #frame: Buffer | undefined;
  #sse: string | undefined;

  constructor(events: readonly HubEvent[]) {
    this.events = events;
    this.bytes = events.reduce((n, e) => n + e.bytes, 0) + events.length + 1;
  }

  get firstSeq(): number {
    return (this.events[0] as HubEvent).seq;
  }

  get lastSeq(): number {
    return (this.events[this.events.length - 1] as HubEvent).seq;
  }

  frame(): Buffer {
    this.#frame ??= Buffer.from(
      this.events.length === 1 ? (this.events[0] as HubEvent).text : `[${this.events.map((e) => e.text).join(',')}]`,
    );
    return this.#frame;
  }

  /** The same events as server-sent events (`id: seq`, `data: event`), built at most once. */
  sse(): string {
    this.#sse ??= this.events.map((e) => sseEvent(e.seq, e.text)).join('');
    return this.#sse;
  }
}

/** One change event on a server-sent-events stream; JSON never holds a raw newline, so one `data:` line. */
export const sseEvent = (seq: number, text: string): string => `id: ${seq}\ndata: ${text}\n\n`;

/**
 * Which change events one subscriber gets, around a snapshot or catch-up answered at seq S:
 * while it is being answered, events are held; then the held ones come out after it, those S
 * already covers dropped, so the subscriber sees S+1, S+2, ... exactly. Before any snapshot
 * (`sentSeq` undefined) every event goes out.
 */
export class ChangeGate {
  /** Highest seq this subscriber has been given (by a snapshot, a catch-up or an event). */
  sentSeq: number | undefined;
  #holding: boolean;
  #held: HubEvent[] = [];
  #heldBytes = 0;

  constructor(options: { sentSeq?: number; holding?: boolean } = {}) {
    this.sentSeq = options.sentSeq;
    this.#holding = options.holding ?? false;
  }

  /** Bytes held back: they count against the subscriber's backlog limit. */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  /** 'send' (and it counts as sent), 'held', or 'skip' when already covered. */
  admit(event: HubEvent): 'send' | 'held' | 'skip' {
    if (this.#holding) {
      this.#held.push(event);
      this.#heldBytes += event.bytes;
      return 'held';
    }
    if (this.sentSeq !== undefined && event.seq <= this.sentSeq) return 'skip';
    this.sentSeq = event.seq;
    return 'send';
  }

  /**
   * A whole fan-out pass: true (and it counts as sent) when nothing is held and none of it was
   * sent yet, so its shared frame can go out as it is; false when its events must go one by one
   * through `admit`.
   */
  admitBatch(batch: ChangeBatch): boolean {
    if (this.#holding || (this.sentSeq !== undefined && this.sentSeq >= batch.firstSeq)) return false;
    this.sentSeq = batch.lastSeq;
    return true;
  }

  hold(): void {
    this.#holding = true;
  }

  /** The snapshot or catch-up covering up to `seq` went out: the held events, to admit again in order. */
  release(seq: number | undefined): HubEvent[] {
    this.#holding = false;
    if (seq !== undefined) this.sentSeq = Math.max(this.sentSeq ?? 0, seq);
    const held = this.#held;
    this.clear();
    return held;
  }

  clear(): void {
    this.#held = [];
    this.#heldBytes = 0;
  }
}

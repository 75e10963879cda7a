import { type Dialect, type ShiftChangeEvent, type StaffPatch, toBulkBroadcast, toStaffPatches } from '@staff-sync/protocol';
import type { BulkPart } from '../engine/collections/collection.ts';

/** One change event, serialized once by the hub for every subscriber of a dialect. */
export interface HubEvent {
  seq: number;
  /** As `staff-sync.v1` clients (and change streams) get it. */
  text: string;
  bytes: number;
  /** As plain-dialect clients get it, built the first time one needs it (default: `text`). */
  plain?: () => string;
  /** As `staff-sync.v2` clients get it (compact), built the first time one needs it (default: `text`). */
  compact?: () => string;
  /** Its STAFF_PATCHES row for `staff-sync.v2` clients, when it travels as one (an update or delete). */
  patch?: () => StaffPatch | undefined;
  /** The collection the change is of (`staff`, `shift`). */
  collection?: string;
  /** Set when the change is one of a bulk change (plain clients get a bulk as one message). */
  bulk?: BulkPart | undefined;
  /** A bulk change's cell event, kept whole so that v2 clients can get the bulk as one message. */
  cell?: ShiftChangeEvent;
}

/** How many events from `i` on are one whole bulk change (its first part to its last), or 0. */
function bulkAt(events: readonly HubEvent[], i: number): number {
  const first = events[i] as HubEvent;
  if (!first.bulk || !first.cell || first.bulk.left !== first.bulk.size - 1 || first.bulk.size < 2) return 0;
  const size = first.bulk.size;
  if (i + size > events.length) return 0;
  for (let k = 1; k < size; k++) {
    const e = events[i + k] as HubEvent;
    if (!e.cell || e.bulk?.left !== size - 1 - k || e.seq !== first.seq + k) return 0;
  }
  return size;
}

/**
 * The texts of a pass as a dialect gets them: for `staff-sync.v2`, a whole bulk change in the
 * pass becomes one SHIFT_BULK_BROADCAST, and consecutive staff updates and deletes one
 * STAFF_PATCHES (docs/protocol.md, "Compact change events").
 */
function passTexts(events: readonly HubEvent[], dialect: Dialect): string[] {
  if (dialect !== 'v2') return events.map((e) => eventText(e, dialect));
  const texts: string[] = [];
  for (let i = 0; i < events.length; ) {
    const size = bulkAt(events, i);
    if (size > 0) {
      texts.push(JSON.stringify(toBulkBroadcast(events.slice(i, i + size).map((e) => e.cell as ShiftChangeEvent))));
      i += size;
      continue;
    }
    const rows: StaffPatch[] = [];
    for (let row = events[i]?.patch?.(); row; row = events[i]?.patch?.()) {
      rows.push(row);
      i++;
    }
    if (rows.length > 0) texts.push(JSON.stringify(toStaffPatches(rows)));
    else texts.push(eventText(events[i++] as HubEvent, dialect));
  }
  return texts;
}

/** The event's text in a dialect. */
export function eventText(event: HubEvent, dialect: Dialect): string {
  if (dialect === 'plain' && event.plain) return event.plain();
  if (dialect === 'v2' && event.compact) return event.compact();
  return event.text;
}

/**
 * The change events of one restaurant gathered in one fan-out pass, in seq order. Its frame (one
 * message, or a JSON array of them) is built at most once and the same bytes go to every
 * subscriber that is up to date, so a pass costs one socket write per subscriber and no
 * per-subscriber serialization.
 */
export class ChangeBatch {
  readonly events: readonly HubEvent[];
  readonly bytes: number;
  /** The frame per dialect that takes whole batches (`v1`, `v2`), built at most once each. */
  readonly #frames = new Map<Dialect, Buffer>();
  /** The frame ready to write, per dialect and window size (or `plain`), made at most once each (`compressed`, `framed`). */
  readonly #framed = new Map<string, readonly Buffer[]>();
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

  frame(dialect: Dialect = 'v1'): Buffer {
    let frame = this.#frames.get(dialect);
    if (!frame) {
      const texts = passTexts(this.events, dialect);
      frame = Buffer.from(texts.length === 1 ? (texts[0] as string) : `[${texts.join(',')}]`);
      this.#frames.set(dialect, frame);
    }
    return frame;
  }

  /**
   * The dialect's frame compressed for sockets that agreed on `windowBits`, made by `compress`
   * the first time one needs it, so a pass costs one deflate per dialect and window size however
   * many subscribers it has (transport/ws/pass-frame.ts).
   */
  compressed(
    dialect: Dialect,
    windowBits: number,
    compress: (frame: Buffer, windowBits: number) => readonly Buffer[],
  ): readonly Buffer[] {
    return this.#framedOnce(`${dialect}/${windowBits}`, () => compress(this.frame(dialect), windowBits));
  }

  /** The dialect's frame, uncompressed, framed by `frameIt` at most once (transport/ws/pass-frame.ts). */
  framed(dialect: Dialect, frameIt: (frame: Buffer) => readonly Buffer[]): readonly Buffer[] {
    return this.#framedOnce(`${dialect}/plain`, () => frameIt(this.frame(dialect)));
  }

  #framedOnce(key: string, make: () => readonly Buffer[]): readonly Buffer[] {
    let framed = this.#framed.get(key);
    if (!framed) {
      framed = make();
      this.#framed.set(key, framed);
    }
    return framed;
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
 * already covers dropped, so the subscriber sees S+1, S+2, ... exactly. A snapshot of one
 * collection (the roster, a period's cells) covers that collection's events only: the others up
 * to S are still owed and go out. Before any snapshot (`sentSeq` undefined) every event goes out.
 * Events reach the gate in seq order (the change feed's), which is what makes "the highest seq
 * sent" a floor for every collection.
 */
export class ChangeGate {
  /** Highest seq given to this subscriber as an event, or covered for all collections by a catch-up. */
  #floor: number | undefined;
  /** Seqs covered for one collection by its snapshot. */
  readonly #coveredFor = new Map<string, number>();
  /** Answers being prepared (a sync request, a plain client's bulk answer): held while any is. */
  #holds: number;
  #held: HubEvent[] = [];
  #heldBytes = 0;

  constructor(options: { sentSeq?: number; holding?: boolean } = {}) {
    this.#floor = options.sentSeq;
    this.#holds = options.holding ? 1 : 0;
  }

  /** Highest seq this subscriber has been given (by a snapshot, a catch-up or an event). */
  get sentSeq(): number | undefined {
    let highest = this.#floor;
    for (const seq of this.#coveredFor.values()) highest = Math.max(highest ?? 0, seq);
    return highest;
  }

  /** Everything up to `seq` has been given (a catch-up of every collection). */
  set sentSeq(seq: number | undefined) {
    this.#floor = seq;
  }

  /** Bytes held back: they count against the subscriber's backlog limit. */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  /** 'send' (and it counts as sent), 'held', or 'skip' when already covered. */
  admit(event: HubEvent): 'send' | 'held' | 'skip' {
    if (this.#holds > 0) {
      this.#held.push(event);
      this.#heldBytes += event.bytes;
      return 'held';
    }
    if (event.seq <= this.#coveredUpTo(event.collection)) return 'skip';
    this.#floor = event.seq;
    return 'send';
  }

  /**
   * A whole fan-out pass: true (and it counts as sent) when nothing is held and none of it was
   * sent or covered yet, so its shared frame can go out as it is; false when its events must go
   * one by one through `admit`.
   */
  admitBatch(batch: ChangeBatch): boolean {
    const sent = this.sentSeq;
    if (this.#holds > 0 || (sent !== undefined && sent >= batch.firstSeq)) return false;
    this.#floor = batch.lastSeq;
    return true;
  }

  hold(): void {
    this.#holds++;
  }

  /**
   * The snapshot or catch-up covering up to `seq` went out (of `only` that collection, when
   * given): the held events, to admit again in order, once no other answer holds them.
   */
  release(seq: number | undefined, only?: string): HubEvent[] {
    this.#holds = Math.max(0, this.#holds - 1);
    if (seq !== undefined && only !== undefined) this.#coveredFor.set(only, Math.max(this.#coveredFor.get(only) ?? 0, seq));
    else if (seq !== undefined) this.#floor = Math.max(this.#floor ?? 0, seq);
    if (this.#holds > 0) return [];
    const held = this.#held;
    this.clear();
    return held;
  }

  clear(): void {
    this.#held = [];
    this.#heldBytes = 0;
  }

  #coveredUpTo(collection: string | undefined): number {
    const own = collection === undefined ? undefined : this.#coveredFor.get(collection);
    return Math.max(this.#floor ?? -1, own ?? -1);
  }
}

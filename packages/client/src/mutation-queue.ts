import {
  type AckPayload,
  type ConflictPayload,
  type ErrorPayload,
  isShiftAck,
  isShiftConflict,
  type MutationMessage,
  RETRYABLE_CODES,
  type ShiftAckPayload,
  type ShiftConflictPayload,
} from '@staff-sync/protocol';
import { Backoff } from './backoff.ts';
import type { Clock } from './clock.ts';
import { cellConflictError, conflictError, refusalError, StaffSyncError } from './errors.ts';
import { type AckedVersion, ackedVersion, finalMessage, type Outbox, type OutboxEntry } from './outbox.ts';
import { Pacer, type PacerOptions } from './pacer.ts';
import { ReplyWatch } from './reply-watch.ts';
import type { Roster } from './roster.ts';
import type { CellResult, MutationResult, Settling } from './snapshot.ts';

type Waiter = { resolve: (result: MutationResult | CellResult) => void; reject: (error: StaffSyncError) => void };

/** The member a roster change is about; undefined for a schedule change (its cells carry their versions). */
const memberOf = (message: MutationMessage): string | undefined =>
  message.type === 'STAFF_CREATE'
    ? message.payload.id
    : message.type === 'STAFF_UPDATE' || message.type === 'STAFF_DELETE'
      ? message.payload.staffId
      : undefined;

export interface MutationQueueOptions {
  outbox: Outbox;
  roster: Roster;
  clock: Clock;
  pacing: PacerOptions | undefined;
  maxInFlight: number;
  maxRetries: number;
  /** A mutation unanswered this long makes the client probe the connection (`stalled`); 0: never. */
  probeAfterMs: number;
  stalled: (cause: string) => void;
  /** Send on the open transport; false when none is open. */
  send: (message: MutationMessage) => boolean;
  connected: () => boolean;
  /** A mutation was refused for good (CONFLICT or ERROR), promise or not (a reloaded outbox has none). */
  refused: (error: StaffSyncError) => void;
  /** The pending set or the confirmed member of a conflict changed: the view must be rebuilt. */
  changed: () => void;
  /** A schedule change was refused: the cells as they are now, for the confirmed schedule. */
  cellConflict: (conflict: ShiftConflictPayload) => void;
}

/**
 * The way from the outbox to the server and back: sends the outbox in order within an in-flight
 * window and the pace, gives each update the version its edit started from, and settles each
 * mutation's promise on ACK, CONFLICT or ERROR. RATE_LIMITED and INTERNAL are sent again after a
 * backoff. An acknowledged mutation stays in the view until its change event reaches the roster.
 */
export class MutationQueue {
  readonly #o: MutationQueueOptions;
  readonly #pacer: Pacer;
  readonly #retryBackoff = new Backoff({ baseMs: 500, maxMs: 10_000 });
  readonly #waiters = new Map<number, Waiter>();
  readonly #inFlight = new Set<number>();
  readonly #retries = new Map<number, number>();
  readonly #watch: ReplyWatch;
  /** Acknowledged versions of recent own mutations, for the next edit of the same member. */
  readonly #acked = new Map<number, AckedVersion>();
  /** `staffId@version` of versions our own acknowledged changes produced (bounded like #acked). */
  readonly #ownVersions = new Set<string>();
  #settling: Settling[] = [];
  #retryTimer: unknown;
  #paceTimer: unknown;

  constructor(options: MutationQueueOptions) {
    this.#o = options;
    this.#pacer = new Pacer(options.clock, options.pacing);
    const { probeAfterMs } = options;
    this.#watch = new ReplyWatch({
      clock: options.clock,
      afterMs: probeAfterMs,
      overdue: () => options.stalled(`a change went unanswered for ${probeAfterMs} ms`),
    });
  }

  /** The mutations the view replays on top of the roster, oldest first. */
  pending(): MutationMessage[] {
    return [...this.#settling.map((s) => s.message), ...this.#o.outbox.entries.map((e) => e.message)];
  }

  /**
   * Queue a validated mutation; the promise settles when the server answers. `editStartedAt` is
   * the member's version when the person began this edit (a form opened earlier), if the caller knows it.
   */
  enqueue<R extends MutationResult | CellResult = MutationResult>(message: MutationMessage, editStartedAt?: number): Promise<R> {
    const entry: OutboxEntry = { message, sent: false, ...this.#pinnedBase(message, this.#baseOf(message), editStartedAt) };
    try {
      this.#o.outbox.add(entry);
    } catch (error) {
      const message =
        error instanceof RangeError
          ? `${this.#o.outbox.limit} changes are waiting to be sent; wait until the connection is back`
          : 'browser storage is full; the change could not be saved and was not made';
      return Promise.reject(new StaffSyncError('OUTBOX_FULL', message, { cause: error }));
    }
    const result = new Promise<R>((resolve, reject) =>
      this.#waiters.set(message.sequenceNumber, { resolve: resolve as Waiter['resolve'], reject }),
    );
    this.#o.changed();
    this.pump();
    return result;
  }

  /** The version an edit starts from, and the own pending mutation of the same member it must follow. */
  #baseOf(message: MutationMessage): Pick<OutboxEntry, 'baseVersion' | 'after'> {
    const staffId = message.type === 'STAFF_CREATE' ? undefined : memberOf(message);
    if (staffId === undefined) return { baseVersion: undefined, after: undefined };
    const earlier = this.#o.outbox.entries.findLast((e) => memberOf(e.message) === staffId);
    const confirmed = this.#o.roster.members.get(staffId)?.version;
    if (earlier) return { baseVersion: confirmed, after: earlier.message.sequenceNumber };
    const settling = this.#settling.findLast((s) => s.staffId === staffId && s.clean);
    return { baseVersion: settling && (confirmed ?? 0) < settling.version ? settling.version : confirmed, after: undefined };
  }

  /**
   * An edit that started before the version the client holds: the person did not see what came in
   * between, unless our own changes made it. Then the older version is sent and the server's
   * strategy decides (merge applies it when the fields do not overlap, else CONFLICT).
   */
  #pinnedBase(
    message: MutationMessage,
    base: Pick<OutboxEntry, 'baseVersion' | 'after'>,
    editStartedAt: number | undefined,
  ): Pick<OutboxEntry, 'baseVersion' | 'after' | 'pinned'> {
    const staffId = message.type === 'STAFF_CREATE' ? undefined : memberOf(message);
    if (editStartedAt === undefined || staffId === undefined || base.baseVersion === undefined) return base;
    let seen = editStartedAt;
    while (this.#ownVersions.has(`${staffId}@${seen + 1}`)) seen++;
    return seen >= base.baseVersion ? base : { baseVersion: seen, after: base.after, pinned: true };
  }

  /** Send what the outbox holds, in order, within the in-flight window and the pace. */
  pump(): void {
    if (!this.#o.connected() || this.#retryTimer !== undefined || this.#paceTimer !== undefined) return;
    for (const entry of this.#o.outbox.entries) {
      const n = entry.message.sequenceNumber;
      if (this.#inFlight.has(n)) continue;
      if (this.#inFlight.size >= this.#o.maxInFlight) break;
      // A first send needs the answer to our earlier change of the same member (for its version).
      if (!entry.sent && entry.after !== undefined && this.#o.outbox.get(entry.after)) break;
      if (!this.#pacer.take()) {
        this.#paceTimer = this.#o.clock.setTimeout(() => {
          this.#paceTimer = undefined;
          this.pump();
        }, this.#pacer.waitMs());
        break;
      }
      // Frozen and saved before it leaves, so that a reload re-sends exactly the same message.
      if (!entry.sent) this.#o.outbox.markSent(entry, finalMessage(entry, this.#acked));
      if (!this.#o.send(entry.message)) break;
      this.#inFlight.add(n);
      this.#watch.sent(n);
    }
  }

  /** The transport closed: whatever was in flight is sent again on the next one. */
  connectionLost(): void {
    this.#inFlight.clear();
    this.#watch.clear();
  }

  /** Drop acknowledged mutations whose change events the roster now holds; true when any went. */
  settle(): boolean {
    const before = this.#settling.length;
    this.#settling = this.#settling.filter((s) => s.ackSeq > this.#o.roster.seq);
    return this.#settling.length !== before;
  }

  onAck(ack: AckPayload | ShiftAckPayload): void {
    if (isShiftAck(ack)) {
      this.#onCellAck(ack);
      return;
    }
    const entry = this.#o.outbox.remove(ack.sequenceNumber);
    if (!entry) return;
    this.#forget(ack.sequenceNumber);
    const sent = entry.message;
    const { clean } = ackedVersion(sent, ack.version);
    this.#acked.set(ack.sequenceNumber, { version: ack.version, clean });
    if (this.#acked.size > 1000) this.#acked.delete(this.#acked.keys().next().value as number);
    this.#ownVersions.add(`${ack.staffId}@${ack.version}`);
    if (this.#ownVersions.size > 1000) this.#ownVersions.delete(this.#ownVersions.values().next().value as string);
    // Shown from here until the change event (seq) reaches the roster: no flicker in between.
    if (ack.seq > this.#o.roster.seq) {
      this.#settling.push({ message: sent, ackSeq: ack.seq, staffId: ack.staffId, version: ack.version, clean });
    }
    this.#retryBackoff.reset();
    this.#o.changed();
    this.#take(ack.sequenceNumber)?.resolve({
      staffId: ack.staffId,
      version: ack.version,
      seq: ack.seq,
      duplicate: ack.duplicate === true,
      ...(ack.resolved ? { resolved: ack.resolved, sequenceNumber: ack.sequenceNumber } : {}),
    });
  }

  /** A schedule change committed: shown from the outbox until its cells' events arrive. */
  #onCellAck(ack: ShiftAckPayload): void {
    const entry = this.#o.outbox.remove(ack.sequenceNumber);
    if (!entry) return;
    this.#forget(ack.sequenceNumber);
    if (ack.seq > this.#o.roster.seq && ack.cells > 0) {
      this.#settling.push({ message: entry.message, ackSeq: ack.seq, staffId: '', version: 0, clean: true });
    }
    this.#retryBackoff.reset();
    this.#o.changed();
    this.#take(ack.sequenceNumber)?.resolve({
      seq: ack.seq,
      cells: ack.cells,
      versions: ack.versions,
      duplicate: ack.duplicate === true,
      ...(ack.resolved ? { resolved: ack.resolved, sequenceNumber: ack.sequenceNumber } : {}),
    });
  }

  onConflict(conflict: ConflictPayload | ShiftConflictPayload): void {
    const entry = this.#o.outbox.remove(conflict.sequenceNumber);
    if (!entry) return;
    this.#forget(conflict.sequenceNumber);
    if (isShiftConflict(conflict)) this.#o.cellConflict(conflict);
    else this.#o.roster.setMember(conflict.current);
    this.#o.changed();
    const waiter = this.#take(conflict.sequenceNumber);
    const refused = { mutation: entry.message, origin: waiter ? ('promise' as const) : ('outbox' as const) };
    const error = isShiftConflict(conflict) ? cellConflictError(conflict, refused) : conflictError(conflict, refused);
    this.#o.refused(error);
    waiter?.reject(error);
  }

  /** An ERROR naming one of our mutations; false when it names none. */
  onError(payload: ErrorPayload): boolean {
    const n = payload.sequenceNumber;
    const entry = n === undefined ? undefined : this.#o.outbox.get(n);
    if (n === undefined || !entry) return false;
    this.#inFlight.delete(n);
    this.#watch.answered(n);
    const tries = (this.#retries.get(n) ?? 0) + 1;
    if (RETRYABLE_CODES.has(payload.code) && tries <= this.#o.maxRetries) {
      this.#retries.set(n, tries);
      this.#retryLater();
      return true;
    }
    this.#o.outbox.remove(n);
    this.#forget(n);
    this.#o.changed();
    const waiter = this.#take(n);
    const error = refusalError(payload, { mutation: entry.message, origin: waiter ? 'promise' : 'outbox' });
    this.#o.refused(error);
    waiter?.reject(error);
    return true;
  }

  /** Hold all sending of mutations for a backoff delay, then go on from the oldest unanswered one. */
  #retryLater(): void {
    if (this.#retryTimer !== undefined) return;
    this.#retryTimer = this.#o.clock.setTimeout(() => {
      this.#retryTimer = undefined;
      this.pump();
    }, this.#retryBackoff.next() ?? 10_000);
  }

  /** Reject every waiting promise (the client is closed; the outbox stays saved). */
  dispose(error: StaffSyncError): void {
    this.#o.clock.clearTimeout(this.#retryTimer);
    this.#o.clock.clearTimeout(this.#paceTimer);
    this.#watch.clear();
    for (const waiter of this.#waiters.values()) waiter.reject(error);
    this.#waiters.clear();
  }

  #forget(sequenceNumber: number): void {
    this.#inFlight.delete(sequenceNumber);
    this.#watch.answered(sequenceNumber);
    this.#retries.delete(sequenceNumber);
  }

  #take(sequenceNumber: number): Waiter | undefined {
    const waiter = this.#waiters.get(sequenceNumber);
    this.#waiters.delete(sequenceNumber);
    return waiter;
  }
}

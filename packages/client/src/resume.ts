import type { AnyChangeEvent, ClientMessage, ErrorPayload, ServerMessage } from '@staff-sync/protocol';
import { Backoff } from './backoff.ts';
import type { Clock } from './clock.ts';
import { StaffSyncError } from './errors.ts';
import type { Roster } from './roster.ts';
import type { ScheduleSync } from './schedule-sync.ts';

export interface ResumeOptions {
  roster: Roster;
  schedule: ScheduleSync;
  clock: Clock;
  /** The period the screen looks at when the client starts (docs/client.md). */
  period: number | undefined;
  /** Send on the open transport; the message's sequenceNumber, or undefined when none is open. */
  send: (type: ClientMessage['type'], payload: ClientMessage['payload']) => number | undefined;
  connected: () => boolean;
  /** A change event skipped seqs: a resume from the last applied one was asked for. */
  gap: (event: { reason: 'gap'; sinceSeq: number; seenSeq: number }) => void;
  /** The confirmed roster moved on (a change applied, a snapshot or a delta taken). */
  applied: () => void;
  /** The confirmed cells changed. */
  cellsChanged: () => void;
  /** The sync request was refused; it is asked again after a backoff of its own. */
  failed: (error: StaffSyncError) => void;
}

type SyncResponse = Extract<ServerMessage, { type: 'SYNC_RESPONSE' }>;

/**
 * Keeping the confirmed state in step with the server's change log (docs/design.md, resume): a
 * SYNC_REQUEST at every open (a delta from the last applied seq once synced, else a full snapshot),
 * change events taken in seq order, a resume from the last applied seq at a gap. A refused request
 * is asked again on its own backoff timer, so it never holds the mutations.
 */
export class Resume {
  readonly #o: ResumeOptions;
  readonly #backoff = new Backoff({ baseMs: 500, maxMs: 10_000 });
  #period: number | undefined;
  #awaiting = false;
  #sequence: number | undefined;
  #retryTimer: unknown;

  constructor(options: ResumeOptions) {
    this.#o = options;
    this.#period = options.period;
  }

  /** The period the next sync asks for. */
  get period(): number | undefined {
    return this.#period;
  }

  set period(period: number | undefined) {
    this.#period = period;
  }

  /** SYNC_REQUEST: a delta from the last applied seq once synced (unless `full`), else a full snapshot. */
  request(full = false): void {
    this.#o.clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const payload: { period?: number; sinceSeq?: number } = {};
    if (this.#period !== undefined) payload.period = this.#period;
    if (this.#o.roster.synced && !full) payload.sinceSeq = this.#o.roster.seq;
    this.#awaiting = true;
    this.#sequence = this.#o.send('SYNC_REQUEST', payload);
  }

  /** A committed change of any collection: the restaurant's next seq, or a gap to resume from. */
  onChange(message: AnyChangeEvent): void {
    const roster = this.#o.roster;
    // Before the first snapshot, and while a resume is answered, the response covers these.
    if (!roster.synced || this.#awaiting) return;
    const result = roster.apply(message);
    if (result === 'gap') {
      this.#o.gap({ reason: 'gap', sinceSeq: roster.seq, seenSeq: message.seq });
      this.request();
    } else if (result === 'applied') {
      this.#o.applied();
    }
  }

  onSyncResponse(message: SyncResponse): void {
    const { payload } = message;
    const seq = message.seq as number;
    const { roster, schedule } = this.#o;
    if (payload.full) {
      roster.replace(payload, seq);
      // A snapshot of the roster covers the roster only: the cells are asked for after it.
      schedule.request();
    } else {
      // A delta must continue exactly where the roster stands; anything else needs a full snapshot.
      if (schedule.onChanges(payload.changes)) this.#o.cellsChanged();
      if (!roster.synced || payload.changes.some((change) => roster.apply(change) === 'gap')) {
        this.request(true);
        return;
      }
      roster.advanceTo(seq);
    }
    this.#awaiting = false;
    this.#backoff.reset();
    this.#o.applied();
  }

  /** An ERROR; true when it answers our sync request (then it is asked again later). */
  onError(payload: ErrorPayload): boolean {
    if (payload.sequenceNumber === undefined || payload.sequenceNumber !== this.#sequence) return false;
    this.#o.failed(new StaffSyncError(payload.code, payload.message, { fields: payload.fields }));
    if (this.#retryTimer !== undefined) return true;
    this.#retryTimer = this.#o.clock.setTimeout(() => {
      this.#retryTimer = undefined;
      if (!this.#o.connected()) return; // the next open asks anyway
      // Without a period the server does not have.
      if (payload.code === 'VALIDATION_FAILED') this.#period = undefined;
      this.request();
    }, this.#backoff.next() ?? 10_000);
    return true;
  }

  stop(): void {
    this.#o.clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }
}

import type {
  ClientMessage,
  MutationMessage,
  Period,
  ServerMessage,
  ShiftBroadcastPayload,
  ShiftConflictPayload,
} from '@staff-sync/protocol';
import { type ScheduleSnapshot, ScheduleStore, ScheduleView } from './schedule-store.ts';
import type { CellEdit } from './snapshot.ts';

export interface ScheduleSyncOptions {
  /** Send a message on the open transport; undefined when none is open. */
  send: (type: ClientMessage['type'], payload: ClientMessage['payload']) => number | undefined;
  /** The restaurant's periods as the roster knows them. */
  periods: () => readonly Period[];
}

const isCellChange = (message: MutationMessage) => message.type === 'SHIFT_UPDATE' || message.type === 'SHIFT_BULK_UPDATE';

/**
 * The schedule side of the client: which period's cells it keeps, asking the server for them
 * (SHIFT_SYNC_REQUEST) on every connect, after every full snapshot of the roster (which covers the
 * roster only) and when the period changes; taking in cell changes by version; and the snapshot
 * the screen reads, rebuilt only when the cells or the pending cell changes changed.
 */
export class ScheduleSync {
  readonly #o: ScheduleSyncOptions;
  #store: ScheduleStore | undefined;
  readonly #view = new ScheduleView();
  #snapshot: ScheduleSnapshot | null = null;
  #builtFrom: { store: number; pending: string } | undefined;
  /** Bumped whenever the confirmed cells change. */
  #revision = 0;

  constructor(options: ScheduleSyncOptions) {
    this.#o = options;
  }

  get periodIndex(): number | undefined {
    return this.#store?.periodIndex;
  }

  /** Keep `periodIndex`'s cells (undefined: none); true when that is a change. */
  setPeriod(periodIndex: number | undefined): boolean {
    if (periodIndex === this.#store?.periodIndex) return false;
    this.#store = periodIndex === undefined ? undefined : new ScheduleStore(periodIndex);
    this.#revision++;
    this.request();
    return true;
  }

  /** Ask for the period's cells (when connected; it is asked again on the next connect otherwise). */
  request(): void {
    const store = this.#store;
    if (!store) return;
    store.setPeriod(this.#o.periods()[store.periodIndex]);
    this.#o.send('SHIFT_SYNC_REQUEST', { periodIndex: store.periodIndex });
  }

  /** The confirmed version of a cell: the base of an edit that names none. */
  versionOf(staffId: string, dateKey: string): number {
    return this.#store?.versionOf(staffId, dateKey) ?? 0;
  }

  /** The payload of SHIFT_UPDATE for one cell; the period is named when the cell lies in the kept one. */
  cellChange(staffId: string, dateKey: string, value: string | null, baseVersion?: number): Record<string, unknown> {
    const version = baseVersion ?? this.versionOf(staffId, dateKey);
    const payload: Record<string, unknown> = { staffId, dateKey, shiftValue: value, version };
    const periodIndex = this.periodIndex;
    const period = periodIndex === undefined ? undefined : this.#o.periods()[periodIndex];
    if (period !== undefined && dateKey >= period.startDate && dateKey <= period.endDate) payload.periodIndex = periodIndex;
    return payload;
  }

  /** The payload of SHIFT_BULK_UPDATE: many cells of one period, each with its base version. */
  cellsChange(periodIndex: number, cells: readonly CellEdit[]): Record<string, unknown> {
    const scheduleData: Record<string, Record<string, string | null>> = {};
    const versions: Record<string, Record<string, number>> = {};
    for (const cell of cells) {
      scheduleData[cell.staffId] = { ...scheduleData[cell.staffId], [cell.dateKey]: cell.value };
      const version = cell.baseVersion ?? this.versionOf(cell.staffId, cell.dateKey);
      versions[cell.staffId] = { ...versions[cell.staffId], [cell.dateKey]: version };
    }
    return { periodIndex, scheduleData, versions };
  }

  /** Take in a server message; true when the cells changed. */
  onMessage(message: ServerMessage): boolean {
    const store = this.#store;
    if (!store) return false;
    let changed = false;
    if (message.type === 'SHIFT_SYNC_RESPONSE') changed = store.replace(message.payload);
    else if (message.type === 'SHIFT_BROADCAST') changed = store.apply(message.payload);
    if (changed) this.#revision++;
    return changed;
  }

  /** The cell changes of a delta (a resume covers every collection). */
  onChanges(changes: readonly { type: string; payload: unknown }[]): boolean {
    let changed = false;
    for (const change of changes) {
      if (change.type === 'SHIFT_BROADCAST' && this.#store?.apply(change.payload as ShiftBroadcastPayload)) changed = true;
    }
    if (changed) this.#revision++;
    return changed;
  }

  onConflict(conflict: ShiftConflictPayload): void {
    if (this.#store?.applyConflict(conflict)) this.#revision++;
  }

  /** The schedule as the screen shows it: a new object only when something in it changed. */
  snapshot(pending: readonly MutationMessage[]): ScheduleSnapshot | null {
    const store = this.#store;
    if (!store) return null;
    const cellChanges = pending.filter(isCellChange);
    const from = { store: this.#revision, pending: cellChanges.map((m) => m.sequenceNumber).join(',') };
    if (this.#snapshot && this.#builtFrom?.store === from.store && this.#builtFrom.pending === from.pending)
      return this.#snapshot;
    this.#builtFrom = from;
    this.#snapshot = Object.freeze({
      periodIndex: store.periodIndex,
      scheduleId: store.scheduleId,
      synced: store.synced,
      cells: this.#view.build(store, cellChanges),
    });
    return this.#snapshot;
  }
}

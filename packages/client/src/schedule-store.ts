import type {
  MutationMessage,
  Period,
  ShiftBroadcastPayload,
  ShiftConflictPayload,
  ShiftSyncResponsePayload,
} from '@staff-sync/protocol';

/** One cell as the screen shows it. */
export interface ScheduleCell {
  /** `null`: empty. */
  readonly value: string | null;
  /** 0: never set. The version a later edit of the cell starts from. */
  readonly version: number;
  /** A change of this cell is not confirmed yet (waiting, in flight, or offline). */
  readonly pending: boolean;
}

/** staffId -> dateKey -> cell. */
export type CellMap = ReadonlyMap<string, ReadonlyMap<string, ScheduleCell>>;

/** The schedule of the period the screen looks at. */
export interface ScheduleSnapshot {
  readonly periodIndex: number;
  readonly scheduleId: string | null;
  /** True once the period's cells arrived. */
  readonly synced: boolean;
  /**
   * Confirmed cells with the pending changes on top. A member's inner map keeps its identity while
   * none of its cells change, so a screen can repaint one row.
   */
  readonly cells: CellMap;
}

const EMPTY: ReadonlyMap<string, ScheduleCell> = new Map();

/**
 * The confirmed cells of one period, as the server has them. Only the server's messages change
 * them, and a cell only to a newer version, so events may come in any order (a cell event older
 * than the roster's seq, after a snapshot of the roster only, is still applied). Copy on write per
 * member: an unchanged member keeps its map object.
 */
export class ScheduleStore {
  readonly periodIndex: number;
  #scheduleId: string | null = null;
  #synced = false;
  #period: Pick<Period, 'startDate' | 'endDate'> | undefined;
  #cells = new Map<string, ReadonlyMap<string, ScheduleCell>>();

  constructor(periodIndex: number) {
    this.periodIndex = periodIndex;
  }

  get synced(): boolean {
    return this.#synced;
  }

  get scheduleId(): string | null {
    return this.#scheduleId;
  }

  get confirmed(): ReadonlyMap<string, ReadonlyMap<string, ScheduleCell>> {
    return this.#cells;
  }

  /** The period's dates, once known (from the roster's periods): cells outside it are not kept. */
  setPeriod(period: Pick<Period, 'startDate' | 'endDate'> | undefined): void {
    this.#period = period;
  }

  /** The version of a confirmed cell (0 when never set). */
  versionOf(staffId: string, dateKey: string): number {
    return this.#cells.get(staffId)?.get(dateKey)?.version ?? 0;
  }

  /** Everything from a SHIFT_SYNC_RESPONSE of this period; cells newer than it are kept. */
  replace(payload: ShiftSyncResponsePayload): boolean {
    if (payload.periodIndex !== this.periodIndex) return false;
    const next = new Map<string, ReadonlyMap<string, ScheduleCell>>();
    const staffIds = new Set([...Object.keys(payload.versions ?? {}), ...Object.keys(payload.scheduleData)]);
    for (const staffId of staffIds) {
      const cells = new Map<string, ScheduleCell>();
      const values = payload.scheduleData[staffId] ?? {};
      const versions = payload.versions?.[staffId] ?? {};
      for (const date of new Set([...Object.keys(values), ...Object.keys(versions)])) {
        const held = this.#cells.get(staffId)?.get(date);
        const version = versions[date] ?? 0;
        cells.set(date, held && held.version > version ? held : { value: values[date] ?? null, version, pending: false });
      }
      next.set(staffId, cells);
    }
    this.#cells = next;
    this.#scheduleId = payload.scheduleId;
    this.#synced = true;
    return true;
  }

  /** A committed cell change; true when it changed what is held. */
  apply(change: Pick<ShiftBroadcastPayload, 'staffId' | 'dateKey' | 'shiftValue' | 'version'>): boolean {
    if (this.#period && (change.dateKey < this.#period.startDate || change.dateKey > this.#period.endDate)) return false;
    const member = this.#cells.get(change.staffId);
    if ((member?.get(change.dateKey)?.version ?? 0) >= change.version) return false;
    const next = new Map(member ?? EMPTY);
    next.set(change.dateKey, { value: change.shiftValue, version: change.version, pending: false });
    this.#cells.set(change.staffId, next);
    return true;
  }

  /** A CONFLICT names each refused cell as it is now. */
  applyConflict(conflict: ShiftConflictPayload): boolean {
    let changed = false;
    for (const cell of conflict.cells) {
      changed =
        this.apply({
          staffId: cell.staffId,
          dateKey: cell.dateKey,
          shiftValue: cell.current.shiftValue,
          version: cell.current.version,
        }) || changed;
    }
    return changed;
  }
}

/** The cells a pending mutation sets, as (staffId, dateKey, value). */
function* cellsOf(message: MutationMessage): Generator<[string, string, string | null]> {
  if (message.type === 'SHIFT_UPDATE') yield [message.payload.staffId, message.payload.dateKey, message.payload.shiftValue];
  else if (message.type === 'SHIFT_BULK_UPDATE') {
    for (const [staffId, cells] of Object.entries(message.payload.scheduleData)) {
      for (const [date, value] of Object.entries(cells)) yield [staffId, date, value];
    }
  }
}

/**
 * The screen's cells: the confirmed ones with the pending changes replayed on top, in order.
 * Members whose confirmed cells and pending changes are those of `previous` keep their map.
 */
interface MemberView {
  confirmed: ReadonlyMap<string, ScheduleCell> | undefined;
  pendingKey: string;
  view: ReadonlyMap<string, ScheduleCell>;
}

export class ScheduleView {
  #byMember = new Map<string, MemberView>();

  build(store: ScheduleStore, pending: readonly MutationMessage[]): CellMap {
    const overrides = new Map<string, Map<string, string | null>>();
    for (const message of pending) {
      for (const [staffId, date, value] of cellsOf(message)) {
        let member = overrides.get(staffId);
        if (!member) {
          member = new Map();
          overrides.set(staffId, member);
        }
        member.set(date, value);
      }
    }
    const out = new Map<string, ReadonlyMap<string, ScheduleCell>>();
    const cache = new Map<string, MemberView>();
    for (const staffId of new Set([...store.confirmed.keys(), ...overrides.keys()])) {
      const confirmed = store.confirmed.get(staffId);
      const mine = overrides.get(staffId);
      const pendingKey = mine ? JSON.stringify([...mine]) : '';
      const before = this.#byMember.get(staffId);
      let view: ReadonlyMap<string, ScheduleCell>;
      if (before && before.confirmed === confirmed && before.pendingKey === pendingKey) view = before.view;
      else if (!mine) view = confirmed ?? EMPTY;
      else {
        const next = new Map(confirmed ?? EMPTY);
        for (const [date, value] of mine) next.set(date, { value, version: confirmed?.get(date)?.version ?? 0, pending: true });
        view = next;
      }
      cache.set(staffId, { confirmed, pendingKey, view });
      out.set(staffId, view);
    }
    this.#byMember = cache;
    return out;
  }
}

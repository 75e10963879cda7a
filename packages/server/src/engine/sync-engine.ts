import {
  type ChangeEvent,
  type ConflictStrategy,
  ErrorCode,
  type ErrorPayload,
  isInPeriod,
  isShiftAck,
  type MutationMessage,
  type ShiftSyncRequestPayload,
  type ShiftSyncResponsePayload,
  type StaffMember,
  type SyncAllPeriodsPayload,
  type SyncRequestPayload,
  type SyncResponsePayload,
} from '@staff-sync/protocol';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Db } from '../storage/db.ts';
import { readScheduleSnapshot } from '../storage/schedule-queries.ts';
import { readSnapshot } from '../storage/staff-queries.ts';
import { combineApplies } from './apply-mutation.ts';
import type { AssistedResolution } from './assisted/assisted-resolution.ts';
import { toChangeEvent } from './change-event.ts';
import { readChangesSince } from './changes.ts';
import type { Actor, MutationContext, MutationOutcome } from './collections/collection.ts';
import { collectionOf } from './collections/index.ts';
import { dataRefusal } from './data-refusal.ts';
import { GroupCommit } from './group-commit.ts';
import { currentPeriodIndex, type PeriodSettings, periodsFor } from './periods.ts';

export interface EngineSettings extends PeriodSettings {
  conflictStrategy: ConflictStrategy;
  deltaMaxChanges: number;
  groupCommitMax: number;
}

/** The metric label of a mutation type (`create`, `update`, `delete`, as its collection names it). */
const operationOf = (type: MutationMessage['type']): string => collectionOf(type).operations[type] ?? type.toLowerCase();

/** A period index the restaurant does not have. */
function missingPeriod(index: number, count: number, field: string): ErrorPayload {
  return {
    code: ErrorCode.VALIDATION_FAILED,
    message: `period ${index} does not exist; this restaurant has periods 0 to ${count - 1}`,
    fields: { [field]: `must be at most ${count - 1}` },
  };
}

export type ShiftSyncResult =
  | { ok: true; kind: 'cells'; seq: number; payload: ShiftSyncResponsePayload }
  | { ok: true; kind: 'delta'; seq: number; payload: SyncResponsePayload }
  | { ok: false; error: ErrorPayload };

export type SyncResult = { ok: true; seq: number; payload: SyncResponsePayload } | { ok: false; error: ErrorPayload };

/**
 * The transport-independent part of the server: mutations and sync requests, with their metrics.
 * The WebSocket gateway and the HTTP API both call it, so both have the same semantics.
 */
export class SyncEngine {
  readonly #db: Db;
  readonly #settings: EngineSettings;
  /** Mutations go through it: a restaurant's that arrive together commit together. */
  readonly #groups: GroupCommit;
  readonly #metrics: Metrics;
  readonly #log: Logger;
  readonly #onCommitted: ((restaurantId: string, seq: number) => void) | undefined;
  #assist: AssistedResolution | undefined;

  /** `onCommitted` hears the seq of every change this engine committed (the change feed's lower bound). */
  constructor(
    db: Db,
    settings: EngineSettings,
    metrics: Metrics,
    log: Logger,
    onCommitted?: (restaurantId: string, seq: number) => void,
  ) {
    this.#db = db;
    this.#settings = settings;
    this.#groups = new GroupCommit(db, {
      maxBatch: settings.groupCommitMax,
      combine: combineApplies,
      onGroup: (size) => metrics.commitGroupSize.observe(size),
    });
    this.#metrics = metrics;
    this.#log = log;
    this.#onCommitted = onCommitted;
  }

  get strategy(): ConflictStrategy {
    return this.#settings.conflictStrategy;
  }

  /** Suggested resolutions (docs/assist.md): every conflict gets one; under `assisted` some are applied. */
  useAssist(assist: AssistedResolution): void {
    this.#assist = assist;
  }

  /** The confidence at or above which suggestions are applied, under the strategy `assisted`. */
  get assistThreshold(): number | undefined {
    return this.#settings.conflictStrategy === 'assisted' ? this.#assist?.threshold : undefined;
  }

  /** A mutation refused because the sign-in may not change anything: counted like the others. */
  countForbidden(type: MutationMessage['type']): void {
    this.#metrics.staffOperations.inc({ operation: operationOf(type), status: 'forbidden' });
  }

  /**
   * Apply a validated mutation. Database failures become an INTERNAL error (nothing written); data
   * the database refuses (data-refusal.ts) becomes VALIDATION_FAILED and is no database error.
   */
  /**
   * Apply one mutation. `ordered` hears when its place in the commit order is fixed (its one
   * statement queued for group commit): only for staff mutations, which are one statement, and
   * not under the assisted strategy, which may write again after a CONFLICT.
   */
  async mutate(actor: Actor, message: MutationMessage, ordered?: () => void): Promise<MutationOutcome> {
    const { restaurantId } = actor;
    const collection = collectionOf(message.type);
    const operation = operationOf(message.type);
    let outcome: MutationOutcome;
    try {
      const ctx: MutationContext = {
        restaurantId,
        userId: actor.userId,
        userName: actor.userName,
        job: actor.job,
        language: actor.language,
        strategy: this.#settings.conflictStrategy,
        periodSettings: this.#settings,
      };
      ctx.stamp = this.#assist?.stampFor(ctx, message);
      const pipelined = collection.oneStatement === true && ctx.strategy !== 'assisted';
      outcome = await collection.apply(this.#groups.for(restaurantId, pipelined ? ordered : undefined), ctx, message);
      if (this.#assist) outcome = await this.#assist.after(ctx, message, outcome);
      this.#metrics.databaseOperations.inc({ operation: 'mutation', status: 'success' });
      if (outcome.type === 'ACK') this.#onCommitted?.(restaurantId, outcome.payload.seq);
    } catch (error) {
      const refusal = dataRefusal(error);
      if (refusal) {
        this.#metrics.databaseOperations.inc({ operation: 'mutation', status: 'refused' });
        // Not the error itself: its detail may quote the row. The edge should have refused this.
        this.#log.warn({ sqlstate: refusal.sqlstate, restaurantId, operation }, 'the database refused a validated mutation');
      } else {
        this.#metrics.databaseOperations.inc({ operation: 'mutation', status: 'error' });
        this.#metrics.databaseErrors.inc({ operation: 'mutation' });
        this.#log.error({ err: error, restaurantId, operation }, 'mutation failed in the database');
      }
      outcome = {
        type: 'ERROR',
        payload: refusal
          ? { code: ErrorCode.VALIDATION_FAILED, message: refusal.message, sequenceNumber: message.sequenceNumber }
          : {
              code: ErrorCode.INTERNAL,
              message: 'the database could not apply the change; nothing was written, send it again',
              sequenceNumber: message.sequenceNumber,
            },
      };
    }
    const status =
      outcome.type === 'ACK'
        ? outcome.payload.duplicate
          ? 'duplicate'
          : 'success'
        : outcome.type === 'CONFLICT'
          ? 'conflict'
          : 'error';
    this.#metrics.staffOperations.inc({ operation, status });
    const version = 'version' in message.payload ? message.payload.version : undefined;
    if (
      message.type !== 'STAFF_CREATE' &&
      version !== undefined &&
      outcome.type !== 'ERROR' &&
      !(outcome.type === 'ACK' && outcome.payload.duplicate)
    ) {
      // A cell's version says the same of the cell; a bulk change is stale when any cell was.
      const wasStale =
        outcome.type === 'CONFLICT' ||
        (isShiftAck(outcome.payload)
          ? Object.values(outcome.payload.versions).some((cells) => Object.values(cells).some((v) => v > version + 1))
          : outcome.payload.version > version + 1);
      if (wasStale) {
        this.#metrics.conflictResolutions.inc({
          strategy: this.#settings.conflictStrategy,
          outcome: outcome.type === 'CONFLICT' ? 'rejected' : 'applied',
        });
      }
    }
    return outcome;
  }

  /**
   * Answer a SYNC_REQUEST: the delta since `sinceSeq` when the change log still holds all of it,
   * else a full snapshot of the active members with the restaurant's periods.
   */
  async sync(restaurantId: string, request: SyncRequestPayload): Promise<SyncResult> {
    try {
      if (request.sinceSeq !== undefined) {
        const delta = await readChangesSince(this.#db, restaurantId, request.sinceSeq, this.#settings.deltaMaxChanges);
        this.#metrics.databaseOperations.inc({ operation: 'changes', status: 'success' });
        if (delta)
          return {
            ok: true,
            seq: delta.seq,
            payload: { full: false, changes: delta.changes.map(toChangeEvent) as ChangeEvent[] },
          };
      }
      const periods = await periodsFor(this.#db, restaurantId, this.#settings);
      const period = request.period ?? currentPeriodIndex(periods);
      if (period >= periods.length) return { ok: false, error: missingPeriod(period, periods.length, 'payload.period') };
      const snapshot = await readSnapshot(this.#db, restaurantId);
      this.#metrics.databaseOperations.inc({ operation: 'snapshot', status: 'success' });
      return { ok: true, seq: snapshot.seq, payload: { full: true, period, periods, staffMembers: snapshot.members } };
    } catch (error) {
      this.#metrics.databaseOperations.inc({ operation: 'snapshot', status: 'error' });
      this.#metrics.databaseErrors.inc({ operation: 'snapshot' });
      this.#log.error({ err: error, restaurantId }, 'sync request failed in the database');
      return { ok: false, error: { code: ErrorCode.INTERNAL, message: 'the database could not be read; try again' } };
    }
  }

  /**
   * Answer a SHIFT_SYNC_REQUEST: with `sinceSeq`, the changes since then of every collection
   * (a delta SYNC_RESPONSE) when the log still holds them; else the period's cells.
   */
  async shiftSync(restaurantId: string, request: ShiftSyncRequestPayload): Promise<ShiftSyncResult> {
    try {
      if (request.sinceSeq !== undefined) {
        const delta = await this.sync(restaurantId, { sinceSeq: request.sinceSeq });
        if (delta.ok && !delta.payload.full) return { ok: true, kind: 'delta', seq: delta.seq, payload: delta.payload };
      }
      const periods = await periodsFor(this.#db, restaurantId, this.#settings);
      const period = periods[request.periodIndex];
      if (!period) return { ok: false, error: missingPeriod(request.periodIndex, periods.length, 'payload.periodIndex') };
      const snapshot = await readScheduleSnapshot(this.#db, restaurantId, period);
      this.#metrics.databaseOperations.inc({ operation: 'snapshot', status: 'success' });
      const { seq, ...payload } = snapshot;
      return { ok: true, kind: 'cells', seq, payload: { periodIndex: period.index, ...payload } };
    } catch (error) {
      this.#metrics.databaseOperations.inc({ operation: 'snapshot', status: 'error' });
      this.#metrics.databaseErrors.inc({ operation: 'snapshot' });
      this.#log.error({ err: error, restaurantId }, 'schedule sync request failed in the database');
      return { ok: false, error: { code: ErrorCode.INTERNAL, message: 'the database could not be read; try again' } };
    }
  }

  /** Answer a SYNC_ALL_PERIODS_REQUEST: the members active in each of the restaurant's periods. */
  async syncAllPeriods(
    restaurantId: string,
  ): Promise<{ ok: true; seq: number; payload: SyncAllPeriodsPayload } | { ok: false; error: ErrorPayload }> {
    try {
      const periods = await periodsFor(this.#db, restaurantId, this.#settings);
      const snapshot = await readSnapshot(this.#db, restaurantId);
      this.#metrics.databaseOperations.inc({ operation: 'snapshot', status: 'success' });
      const byPeriod: Record<string, StaffMember[]> = {};
      for (const period of periods) byPeriod[String(period.index)] = snapshot.members.filter((m) => isInPeriod(m, period));
      return { ok: true, seq: snapshot.seq, payload: { periods: byPeriod, totalPeriods: periods.length } };
    } catch (error) {
      this.#metrics.databaseOperations.inc({ operation: 'snapshot', status: 'error' });
      this.#metrics.databaseErrors.inc({ operation: 'snapshot' });
      this.#log.error({ err: error, restaurantId }, 'sync request failed in the database');
      return { ok: false, error: { code: ErrorCode.INTERNAL, message: 'the database could not be read; try again' } };
    }
  }
}

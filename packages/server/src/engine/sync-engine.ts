import {
  type ConflictStrategy,
  ErrorCode,
  type ErrorPayload,
  type MutationMessage,
  type SyncRequestPayload,
  type SyncResponsePayload,
} from '@staff-sync/protocol';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Db } from '../storage/db.ts';
import { readChangesSince, readSnapshot } from '../storage/staff-queries.ts';
import { applyMutation, type MutationOutcome } from './apply-mutation.ts';
import { toChangeEvent } from './change-event.ts';
import { currentPeriodIndex, type PeriodSettings, periodsFor } from './periods.ts';

export interface EngineSettings extends PeriodSettings {
  conflictStrategy: ConflictStrategy;
  deltaMaxChanges: number;
}

const OPERATION = { STAFF_CREATE: 'create', STAFF_UPDATE: 'update', STAFF_DELETE: 'delete' } as const;

export type SyncResult = { ok: true; seq: number; payload: SyncResponsePayload } | { ok: false; error: ErrorPayload };

/**
 * The transport-independent part of the server: mutations and sync requests, with their metrics.
 * The WebSocket gateway and the HTTP API both call it, so both have the same semantics.
 */
export class SyncEngine {
  readonly #db: Db;
  readonly #settings: EngineSettings;
  readonly #metrics: Metrics;
  readonly #log: Logger;
  readonly #onCommitted: ((restaurantId: string, seq: number) => void) | undefined;

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
    this.#metrics = metrics;
    this.#log = log;
    this.#onCommitted = onCommitted;
  }

  get strategy(): ConflictStrategy {
    return this.#settings.conflictStrategy;
  }

  /** Apply a validated mutation. Database failures become an INTERNAL error (nothing written). */
  async mutate(restaurantId: string, message: MutationMessage): Promise<MutationOutcome> {
    const operation = OPERATION[message.type];
    let outcome: MutationOutcome;
    try {
      outcome = await applyMutation(this.#db, { restaurantId, strategy: this.#settings.conflictStrategy }, message);
      this.#metrics.databaseOperations.inc({ operation: 'mutation', status: 'success' });
      if (outcome.type === 'ACK') this.#onCommitted?.(restaurantId, outcome.payload.seq);
    } catch (error) {
      this.#metrics.databaseOperations.inc({ operation: 'mutation', status: 'error' });
      this.#metrics.databaseErrors.inc({ operation: 'mutation' });
      this.#log.error({ err: error, restaurantId, operation }, 'mutation failed in the database');
      outcome = {
        type: 'ERROR',
        payload: {
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
      const wasStale = outcome.type === 'CONFLICT' || outcome.payload.version > version + 1;
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
        if (delta) return { ok: true, seq: delta.seq, payload: { full: false, changes: delta.changes.map(toChangeEvent) } };
      }
      const periods = await periodsFor(this.#db, restaurantId, this.#settings);
      const period = request.period ?? currentPeriodIndex(periods);
      if (period >= periods.length) {
        return {
          ok: false,
          error: {
            code: ErrorCode.VALIDATION_FAILED,
            message: `period ${period} does not exist; this restaurant has periods 0 to ${periods.length - 1}`,
            fields: { 'payload.period': `must be at most ${periods.length - 1}` },
          },
        };
      }
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
}

import type {
  ConflictPayload,
  ConflictStrategy,
  MutationMessage,
  Resolves,
  ShiftConflictPayload,
  ShiftMutationMessage,
  StaffChanges,
} from '@staff-sync/protocol';
import type { ConflictInput, Suggester, Suggestion, SuggestResult } from '../../assist/index.ts';
import type { Logger } from '../../logger.ts';
import type { Metrics } from '../../metrics.ts';
import type { Db } from '../../storage/db.ts';
import { type StoredOutcome, toProtocol } from '../apply-mutation.ts';
import type { ChangeStamp, MutationContext, MutationOutcome } from '../collections/collection.ts';
import { resolveCell } from '../collections/shift.ts';
import { callApply, stampParams } from '../stored-outcome.ts';
import { CELL_FIELD, cellConflictInput, mineEdit, staffConflictInput, WIRE_CELL_FIELD } from './conflict-input.ts';

/**
 * The server's side of suggested resolutions (docs/assist.md, docs/protocol.md "Suggested
 * resolutions"): every CONFLICT of a member's fields or of one cell gets a suggestion; under the
 * strategy `assisted` one at or above the threshold is applied at once (a change like any other,
 * stamped with how it was decided) and answered ACK with `resolved`; a mutation's `resolves` is
 * recorded once the mutation is ACKed.
 */
export class AssistedResolution {
  readonly #db: Db;
  readonly #suggester: Suggester;
  readonly #metrics: Metrics;
  readonly #log: Logger;
  readonly #strategy: ConflictStrategy;
  readonly #now: () => number;

  constructor(db: Db, suggester: Suggester, metrics: Metrics, log: Logger, strategy: ConflictStrategy, now = Date.now) {
    this.#db = db;
    this.#suggester = suggester;
    this.#metrics = metrics;
    this.#log = log;
    this.#strategy = strategy;
    this.#now = now;
  }

  get threshold(): number {
    return this.#suggester.threshold;
  }

  /**
   * What the mutation's change-log rows record besides who (migration 008): under `assisted` the
   * job and the edit's time (features of later suggestions); with `resolves`, that a person settled
   * a conflict with it. Undefined: nothing to stamp.
   */
  stampFor(ctx: MutationContext, message: MutationMessage): ChangeStamp | undefined {
    const resolves = resolvesOf(message);
    if (this.#strategy !== 'assisted' && !resolves) return undefined;
    const at = Math.min(Date.parse(message.timestamp), this.#now());
    return {
      role: ctx.job ?? null,
      editedAt: Number.isFinite(at) ? new Date(at).toISOString() : null,
      resolution: resolves ? { how: 'person', conflict: `${message.clientId}:${resolves.sequenceNumber}`, ...resolves } : null,
    };
  }

  /** After the collection answered: suggest (and maybe apply) on CONFLICT; record `resolves` on ACK. */
  async after(ctx: MutationContext, message: MutationMessage, outcome: MutationOutcome): Promise<MutationOutcome> {
    try {
      if (outcome.type === 'ACK') {
        if (!outcome.payload.duplicate) await this.#record(ctx, message);
        return outcome;
      }
      if (outcome.type === 'CONFLICT') return await this.#onConflict(ctx, message, outcome.payload);
    } catch (error) {
      // A suggestion is a help: without one the answer stays what the strategy decided.
      this.#log.warn({ err: error, restaurantId: ctx.restaurantId }, 'assisted resolution failed; answered without it');
    }
    return outcome;
  }

  async #onConflict(
    ctx: MutationContext,
    message: MutationMessage,
    conflict: ConflictPayload | ShiftConflictPayload,
  ): Promise<MutationOutcome> {
    const original: MutationOutcome = { type: 'CONFLICT', payload: conflict };
    const conflictId = `${message.clientId}:${message.sequenceNumber}`;
    const mine = mineEdit(ctx, message.clientId, message.timestamp, this.#now());
    let input: ConflictInput | undefined;
    if (message.type === 'STAFF_UPDATE' && 'staffId' in conflict) {
      input = await staffConflictInput(this.#db, ctx, conflict, mine, conflictId);
    } else if (message.type === 'SHIFT_UPDATE' && 'cells' in conflict) {
      input = await cellConflictInput(this.#db, ctx, conflict, mine, conflictId);
    }
    if (!input) return original;
    const implicitBefore = this.#suggester.stats().implicitlyAccepted;
    const result = await this.#suggester.suggest(input, { mayApply: this.#strategy === 'assisted' });
    this.#count('suggested');
    const implicit = this.#suggester.stats().implicitlyAccepted - implicitBefore;
    if (implicit > 0) this.#metrics.assistEvents.inc({ event: 'implicitly_accepted' }, implicit);
    const suggestion = wireSuggestion(result.suggestion);
    const withSuggestion: MutationOutcome = { type: 'CONFLICT', payload: { ...conflict, suggestion } };
    if (!result.autoApply) return withSuggestion;
    const applied = await this.#apply(ctx, message, conflict, result, conflictId);
    if (applied?.type === 'ACK') {
      this.#count('auto_applied');
      return applied;
    }
    // Not written after all (a repeat got there first, someone wrote in between, a refusal).
    await this.#suggester.notApplied(ctx.restaurantId, conflictId);
    return applied ?? withSuggestion;
  }

  /** Write the suggestion (or nothing, for "theirs") under the mutation's own client and number. */
  async #apply(
    ctx: MutationContext,
    message: MutationMessage,
    conflict: ConflictPayload | ShiftConflictPayload,
    result: SuggestResult,
    conflictId: string,
  ): Promise<MutationOutcome | undefined> {
    const { suggestion } = result;
    const resolved = { basis: wireSuggestion(suggestion).basis, confidence: suggestion.confidence };
    const stamp: ChangeStamp = {
      role: ctx.job ?? null,
      editedAt: new Date(this.#now()).toISOString(),
      resolution: { how: 'assisted', conflict: conflictId, resolved, reason: suggestion.reason },
    };
    if (message.type === 'STAFF_UPDATE' && 'staffId' in conflict) {
      const attempted = conflict.attempted as Record<string, unknown>;
      // The attempted fields nobody else changed are written too, as merge would have.
      const changes: Record<string, unknown> = Object.fromEntries(
        Object.entries(attempted).filter(([field]) => !conflict.conflictingFields.includes(field)),
      );
      Object.assign(changes, suggestion.changes);
      const outcome = await callApply<StoredOutcome | null>(
        this.#db,
        `select staff_sync_resolve_staff($1, $2, $3, $4, $5, $6::uuid, $7::text::jsonb, $8::integer,
           $9, $10::timestamptz, $11::text::jsonb) as outcome`,
        [
          ctx.userId ?? null,
          ctx.userName ?? null,
          ctx.restaurantId,
          message.clientId,
          message.sequenceNumber,
          conflict.staffId,
          JSON.stringify(changes),
          conflict.current.version,
          ...stampParams(stamp),
        ],
      );
      return outcome ? toProtocol(outcome, message.sequenceNumber, attempted as StaffChanges, 'assisted') : undefined;
    }
    if (message.type === 'SHIFT_UPDATE' && 'cells' in conflict && conflict.cells.length === 1) {
      const cell = conflict.cells[0]!;
      const value = Object.hasOwn(suggestion.changes, CELL_FIELD) ? suggestion.changes[CELL_FIELD] : cell.current.shiftValue;
      const resolvedMessage: ShiftMutationMessage = {
        ...message,
        payload: { ...message.payload, shiftValue: (value as string | null) ?? null, version: cell.current.version },
      };
      return resolveCell(this.#db, { ...ctx, stamp }, resolvedMessage);
    }
    return undefined;
  }

  /** A mutation's `resolves`, recorded now that the mutation is ACKed; naming no conflict: ignored. */
  async #record(ctx: MutationContext, message: MutationMessage): Promise<void> {
    const resolves = resolvesOf(message);
    if (!resolves) return;
    let choices = resolves.choices;
    let values: Record<string, unknown>;
    if (message.type === 'SHIFT_UPDATE') {
      choices = Object.fromEntries(
        Object.entries(choices).map(([field, choice]) => [field === WIRE_CELL_FIELD ? CELL_FIELD : field, choice]),
      );
      values = { [CELL_FIELD]: message.payload.shiftValue };
    } else if (message.type === 'STAFF_UPDATE') {
      values = message.payload.changes as Record<string, unknown>;
    } else return;
    const result = await this.#suggester.record({
      restaurantId: ctx.restaurantId,
      conflictId: `${message.clientId}:${resolves.sequenceNumber}`,
      choices,
      values,
      decidedBy: ctx.userId ?? null,
    });
    for (const taken of Object.values(result.accepted ?? {})) this.#count(taken ? 'accepted' : 'overridden');
  }

  #count(event: 'suggested' | 'auto_applied' | 'accepted' | 'overridden'): void {
    this.#metrics.assistEvents.inc({ event });
  }
}

/** The `resolves` a mutation carries, if any. */
function resolvesOf(message: MutationMessage): Resolves | undefined {
  return message.type === 'STAFF_UPDATE' || message.type === 'SHIFT_UPDATE' ? message.payload.resolves : undefined;
}

/** The engine's suggestion as the wire has it: a cell's field is `shiftValue`. */
function wireSuggestion(suggestion: Suggestion): Suggestion {
  const rename = (record: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(record).map(([k, v]) => [k === CELL_FIELD ? WIRE_CELL_FIELD : k, v]));
  return {
    ...suggestion,
    changes: rename(suggestion.changes),
    basis: rename(suggestion.basis) as Suggestion['basis'],
  };
}

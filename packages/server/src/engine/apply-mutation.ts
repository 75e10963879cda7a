import {
  type AckPayload,
  type ConflictStrategy,
  ErrorCode,
  type ErrorPayload,
  type ResolvedInfo,
  type StaffChanges,
  type StaffMutationMessage,
  type StaffRow,
  staffRowToMember,
} from '@staff-sync/protocol';
import type { Db } from '../storage/db.ts';
import type { MutationContext, MutationOutcome, StaffMutationOutcome } from './collections/collection.ts';
import { fingerprint } from './fingerprint.ts';
import { callApply, stampParams } from './stored-outcome.ts';

export type { MutationContext, MutationOutcome };

/** What `staff_sync_apply` returns (migration 002); `resolved` from `staff_sync_resolve_staff` (008). */
export type StoredOutcome =
  | { type: 'ACK'; staffId: string; version: number; seq: number | string; duplicate?: true; resolved?: ResolvedInfo }
  | {
      type: 'CONFLICT';
      staffId: string;
      baseVersion: number;
      strategy: ConflictStrategy;
      current: StaffRow;
      conflictingFields: string[];
      duplicate?: true;
    }
  | { type: 'ERROR'; code: ErrorCode; message: string; fields?: Record<string, string>; duplicate?: true }
  | { type: 'REUSED' };

const APPLY = 'staff_sync_apply_as($1, $2, $3, $4, $5, $6, $7, $8::uuid, $9::text::jsonb, $10::integer, $11)';
/** One staff mutation (without a change stamp): the statement group commit may run many of at once. */
const APPLY_STATEMENT = `select ${APPLY} as outcome`;

/**
 * A group of plain staff applies as ONE statement (`staff_sync_apply_batch`, migration 010): the
 * calls run in order in the group's transaction, and each statement gets its own outcome back as
 * the row it would have had. Undefined when the group holds anything else.
 */
export function combineApplies(group: readonly { text: string; params: readonly unknown[] | undefined }[]) {
  if (!group.every((s) => s.text === APPLY_STATEMENT)) return undefined;
  return {
    text: 'select staff_sync_apply_batch($1::text::jsonb) as outcomes',
    params: [JSON.stringify(group.map((s) => s.params))],
    split(rows: readonly Record<string, unknown>[]): Record<string, unknown>[][] {
      const raw = rows[0]?.outcomes;
      const outcomes = (typeof raw === 'string' ? JSON.parse(raw) : raw) as unknown[];
      if (!Array.isArray(outcomes) || outcomes.length !== group.length)
        throw new Error('staff_sync_apply_batch answered the wrong number of outcomes');
      return outcomes.map((outcome) => [{ outcome }]);
    },
  };
}

/**
 * Apply one validated staff mutation as one transaction (docs/architecture.md, "A mutation"), in one round trip:
 * `staff_sync_apply` claims its (client, sequenceNumber), locks the member, decides by version and
 * strategy, writes, and records the outcome; the triggers add the change-log row, the seq and the
 * notification in the same transaction, so nothing is visible before commit. A repeat gets the
 * first outcome.
 */
export async function applyMutation(
  db: Db,
  ctx: Omit<MutationContext, 'periodSettings'>,
  message: StaffMutationMessage,
): Promise<StaffMutationOutcome> {
  const { clientId, sequenceNumber } = message;
  let kind: 'create' | 'update' | 'delete';
  let staffId: string | null;
  let changes: Record<string, unknown>;
  let version: number | null;
  if (message.type === 'STAFF_CREATE') {
    const { id, ...fields } = message.payload;
    [kind, staffId, changes, version] = ['create', id ?? null, fields, null];
  } else if (message.type === 'STAFF_UPDATE') {
    [kind, staffId, changes, version] = [
      'update',
      message.payload.staffId,
      message.payload.changes,
      message.payload.version ?? null,
    ];
  } else {
    [kind, staffId, changes, version] = ['delete', message.payload.staffId, { isActive: false }, message.payload.version ?? null];
  }
  const params = [
    ctx.userId ?? null,
    ctx.userName ?? null,
    ctx.restaurantId,
    clientId,
    sequenceNumber,
    fingerprint(message.type, message.payload),
    kind,
    staffId,
    JSON.stringify(changes),
    version,
    // Assisted asks the database what merge asks (a CONFLICT only for fields both sides changed);
    // the suggestion is the server's (engine/assisted/).
    ctx.strategy === 'assisted' ? 'merge' : ctx.strategy,
  ];
  const outcome = ctx.stamp
    ? await callApply<StoredOutcome>(
        db,
        `select staff_sync_stamp(${APPLY}, $3, $4, $5, $12, $13::timestamptz, $14::text::jsonb) as outcome`,
        [...params, ...stampParams(ctx.stamp)],
      )
    : await callApply<StoredOutcome>(db, APPLY_STATEMENT, params);
  return toProtocol(outcome, sequenceNumber, kind === 'create' ? {} : (changes as StaffChanges), ctx.strategy);
}

export function toProtocol(
  outcome: StoredOutcome,
  sequenceNumber: number,
  attempted: StaffChanges,
  strategy: ConflictStrategy,
): StaffMutationOutcome {
  switch (outcome.type) {
    case 'ACK': {
      const payload: AckPayload = {
        sequenceNumber,
        staffId: outcome.staffId,
        version: outcome.version,
        seq: Number(outcome.seq),
      };
      if (outcome.duplicate) payload.duplicate = true;
      if (outcome.resolved) payload.resolved = outcome.resolved;
      return { type: 'ACK', payload };
    }
    case 'CONFLICT':
      return {
        type: 'CONFLICT',
        payload: {
          sequenceNumber,
          staffId: outcome.staffId,
          strategy: strategy === 'assisted' ? strategy : outcome.strategy,
          baseVersion: outcome.baseVersion,
          current: staffRowToMember(outcome.current),
          attempted,
          conflictingFields: outcome.conflictingFields,
        },
      };
    case 'ERROR': {
      const payload: ErrorPayload = { code: outcome.code, message: outcome.message, sequenceNumber };
      if (outcome.fields) payload.fields = outcome.fields;
      return { type: 'ERROR', payload };
    }
    case 'REUSED':
      return {
        type: 'ERROR',
        payload: {
          code: ErrorCode.SEQUENCE_REUSED,
          message: `sequenceNumber ${sequenceNumber} was already used by this client for a different message`,
          sequenceNumber,
        },
      };
  }
}

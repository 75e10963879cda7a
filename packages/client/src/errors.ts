import type { ConflictPayload, ErrorCode, ErrorPayload, FieldErrors, StaffMember } from '@staff-sync/protocol';

/**
 * Codes of a client error: the protocol's error codes, plus what only the client can say.
 * - `CONFLICT`: the server refused the change because the member changed since the edit began.
 * - `OUTBOX_FULL`: too many changes wait to be sent (`maxPending`) or browser storage is full.
 * - `CLOSED`: the client was disposed before the server answered.
 * - `GAVE_UP`: the server could not be reached within `backoff.maxAttempts`.
 */
export type ClientErrorCode = ErrorCode | 'CONFLICT' | 'OUTBOX_FULL' | 'CLOSED' | 'GAVE_UP';

/** What a CONFLICT tells: the member as it is now and which of the attempted fields collided. */
export type ConflictDetails = Omit<ConflictPayload, 'sequenceNumber'>;

/**
 * The error every promise of the client rejects with, and what `lastError`/`lastConflict` hold:
 * a code, a message a person can read, the offending fields for VALIDATION_FAILED, and for a
 * conflict the current member and the conflicting fields.
 */
export class StaffSyncError extends Error {
  readonly code: ClientErrorCode;
  readonly fields: FieldErrors | undefined;
  readonly conflict: ConflictDetails | undefined;
  /** The sequenceNumber of the mutation this error answers, when it answers one. */
  readonly sequenceNumber: number | undefined;

  constructor(
    code: ClientErrorCode,
    message: string,
    options: { fields?: FieldErrors; conflict?: ConflictDetails; sequenceNumber?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StaffSyncError';
    this.code = code;
    this.fields = options.fields;
    this.conflict = options.conflict;
    this.sequenceNumber = options.sequenceNumber;
  }

  /** The member as the server has it now (conflicts only). */
  get current(): StaffMember | undefined {
    return this.conflict?.current;
  }

  /** The attempted fields someone else changed since the edit began (conflicts only). */
  get conflictingFields(): string[] {
    return this.conflict?.conflictingFields ?? [];
  }
}

/** The error a mutation answered with CONFLICT rejects with. */
export function conflictError(conflict: ConflictPayload): StaffSyncError {
  const fields = conflict.conflictingFields.length ? conflict.conflictingFields.join(', ') : 'the member';
  return new StaffSyncError(
    'CONFLICT',
    `${fields} changed since version ${conflict.baseVersion} (now ${conflict.current.version}); nothing was written`,
    { conflict, sequenceNumber: conflict.sequenceNumber },
  );
}

/** The error a mutation answered with ERROR rejects with. */
export function refusalError(payload: ErrorPayload): StaffSyncError {
  return new StaffSyncError(payload.code, payload.message, { fields: payload.fields, sequenceNumber: payload.sequenceNumber });
}

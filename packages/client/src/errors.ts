import type { ConflictPayload, ErrorCode, FieldErrors, StaffMember } from '@staff-sync/protocol';

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

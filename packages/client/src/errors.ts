import type {
  ConflictPayload,
  ConflictSuggestion,
  ErrorCode,
  ErrorPayload,
  FieldErrors,
  MutationMessage,
  ShiftConflictPayload,
  StaffMember,
} from '@staff-sync/protocol';

/**
 * Codes of a client error: the protocol's error codes, plus what only the client can say.
 * - `CONFLICT`: the server refused the change because the member changed since the edit began.
 * - `OUTBOX_FULL`: too many changes wait to be sent (`maxPending`) or browser storage is full.
 * - `CLOSED`: the client was disposed before the server answered.
 * - `GAVE_UP`: the server could not be reached within `backoff.maxAttempts`.
 */
export type ClientErrorCode = ErrorCode | 'CONFLICT' | 'OUTBOX_FULL' | 'CLOSED' | 'GAVE_UP';

/**
 * Who else hears of a refused change besides the `conflict`/`error` event:
 * - `promise`: it was made in this page, and its promise rejects with the same error;
 * - `outbox`: it was re-sent from the outbox this page took over on a reload: no promise waits;
 * - `closed-tab`: a closed tab left it unsent, and this client delivered it (`adopted`).
 */
export type RefusalOrigin = 'promise' | 'outbox' | 'closed-tab';

/** What a CONFLICT tells: the member as it is now and which of the attempted fields collided. */
export type ConflictDetails = Omit<ConflictPayload, 'sequenceNumber'>;

/** What a CONFLICT of a schedule change tells: each refused cell as it is now, and what was tried. */
export type CellConflictDetails = Omit<ShiftConflictPayload, 'sequenceNumber'>;

export interface StaffSyncErrorOptions {
  fields?: FieldErrors;
  conflict?: ConflictDetails;
  cellConflict?: CellConflictDetails;
  sequenceNumber?: number;
  mutation?: MutationMessage;
  origin?: RefusalOrigin;
  cause?: unknown;
}

/** The refused change and where it came from, for the errors of refusals. */
export type Refused = Pick<StaffSyncErrorOptions, 'mutation' | 'origin'>;

/**
 * The error every promise of the client rejects with, and what `lastError`/`lastConflict` hold:
 * a code, a message a person can read, the offending fields for VALIDATION_FAILED, and for a
 * conflict the current member and the conflicting fields.
 */
export class StaffSyncError extends Error {
  readonly code: ClientErrorCode;
  readonly fields: FieldErrors | undefined;
  readonly conflict: ConflictDetails | undefined;
  /** For a refused schedule change: the cells someone else changed since the edit began. */
  readonly cellConflict: CellConflictDetails | undefined;
  /** The sequenceNumber of the mutation this error answers, when it answers one. */
  readonly sequenceNumber: number | undefined;
  /** The refused change as it was sent, when the server refused one of this browser's changes. */
  readonly mutation: MutationMessage | undefined;
  /** Where that change came from, so that an app reports each refusal once (see `RefusalOrigin`). */
  readonly origin: RefusalOrigin | undefined;

  constructor(code: ClientErrorCode, message: string, options: StaffSyncErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StaffSyncError';
    this.code = code;
    this.fields = options.fields;
    this.conflict = options.conflict;
    this.cellConflict = options.cellConflict;
    this.sequenceNumber = options.sequenceNumber;
    this.mutation = options.mutation;
    this.origin = options.origin;
  }

  /** The member as the server has it now (conflicts only). */
  get current(): StaffMember | undefined {
    return this.conflict?.current;
  }

  /**
   * What the server suggests for this conflict, pre-selected in a dialog: the values, how sure it
   * is and why (docs/protocol.md "Suggested resolutions"); a cell's field is `shiftValue`.
   */
  get suggestion(): ConflictSuggestion | undefined {
    return this.conflict?.suggestion ?? this.cellConflict?.suggestion;
  }

  /** The attempted fields someone else changed since the edit began (conflicts only). */
  get conflictingFields(): string[] {
    return this.conflict?.conflictingFields ?? [];
  }
}

/** The error a mutation answered with CONFLICT rejects with. */
export function conflictError(conflict: ConflictPayload, refused: Refused = {}): StaffSyncError {
  const fields = conflict.conflictingFields.length ? conflict.conflictingFields.join(', ') : 'the member';
  return new StaffSyncError(
    'CONFLICT',
    `${fields} changed since version ${conflict.baseVersion} (now ${conflict.current.version}); nothing was written`,
    { conflict, sequenceNumber: conflict.sequenceNumber, ...refused },
  );
}

/** The error a schedule change answered with CONFLICT rejects with. */
export function cellConflictError(conflict: ShiftConflictPayload, refused: Refused = {}): StaffSyncError {
  const cells = conflict.cells.map((c) => `${c.dateKey}`).join(', ');
  return new StaffSyncError('CONFLICT', `the cells of ${cells} changed since the edit began; nothing was written`, {
    cellConflict: conflict,
    sequenceNumber: conflict.sequenceNumber,
    ...refused,
  });
}

/** The error a mutation answered with ERROR rejects with. */
export function refusalError(payload: ErrorPayload, refused: Refused = {}): StaffSyncError {
  return new StaffSyncError(payload.code, payload.message, {
    fields: payload.fields,
    sequenceNumber: payload.sequenceNumber,
    ...refused,
  });
}

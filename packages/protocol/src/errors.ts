/**
 * Error codes of the wire protocol (docs/protocol.md, "Error codes"). Every `ERROR` payload carries one.
 * Grouped by meaning: what the client sent, who the client is, and what went wrong here.
 */
export const ErrorCode = {
  // The message itself is wrong.
  INVALID_JSON: 'INVALID_JSON',
  INVALID_MESSAGE: 'INVALID_MESSAGE',
  UNKNOWN_TYPE: 'UNKNOWN_TYPE',
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  NOT_FOUND: 'NOT_FOUND',
  SEQUENCE_REUSED: 'SEQUENCE_REUSED',
  // The sender may not do this (now).
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  RATE_LIMITED: 'RATE_LIMITED',
  // The server failed; the message may be retried with the same sequenceNumber.
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const ERROR_CODES: readonly ErrorCode[] = Object.values(ErrorCode);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** Codes after which a mutation may be sent again as it was: the server wrote nothing and says to try later. */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set<ErrorCode>([ErrorCode.RATE_LIMITED, ErrorCode.INTERNAL]);

/** Field path (dot notation, e.g. `payload.changes.name`) to a readable message. */
export type FieldErrors = Record<string, string>;

/**
 * The one error class of staff-sync: a protocol error code, a message a person can read, and for
 * validation failures the offending fields. Server and client both throw it.
 */
export class SyncError extends Error {
  readonly code: ErrorCode;
  readonly fields: FieldErrors | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; fields?: FieldErrors }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SyncError';
    this.code = code;
    this.fields = options?.fields;
  }
}

/**
 * WebSocket close codes used by staff-sync, by meaning. 1009/1012/1013 are the standard ones that
 * docs/protocol.md names; 4xxx are application codes a client must understand.
 */
export const CloseCode = {
  /** Normal close by either side. */
  NORMAL: 1000,
  /** The server is going away for good (not used for restarts). */
  GOING_AWAY: 1001,
  /** The peer broke the WebSocket protocol. */
  PROTOCOL_ERROR: 1002,
  /** A text frame was not valid UTF-8 (closed by the WebSocket library, as RFC 6455 requires). Do not resend it. */
  INVALID_FRAME_DATA: 1007,
  /** A frame was larger than the server's limit (counted after decompression). Do not resend it. */
  MESSAGE_TOO_BIG: 1009,
  /** The server restarts or shuts down: reconnect (to another replica) and resume. */
  SERVICE_RESTART: 1012,
  /** This client's unsent backlog passed the limit, or the server is overloaded: reconnect later and resume. */
  TRY_AGAIN_LATER: 1013,
  /** The server failed on its side: reconnect. */
  INTERNAL_ERROR: 1011,
  /** The token expired while connected: get a fresh token, then reconnect. */
  TOKEN_EXPIRED: 4001,
} as const;

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

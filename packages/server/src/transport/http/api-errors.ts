import type { ErrorCode, ErrorPayload } from '@staff-sync/protocol';

/** The HTTP status of each protocol error code (docs/http-api.md). */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  INVALID_JSON: 400,
  INVALID_MESSAGE: 400,
  UNKNOWN_TYPE: 400,
  VALIDATION_FAILED: 400,
  NOT_FOUND: 404,
  SEQUENCE_REUSED: 409,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  INTERNAL: 503,
};

/** A request refused with an HTTP status and the protocol's ERROR payload. */
export class ApiError extends Error {
  readonly status: number;
  readonly payload: ErrorPayload;
  constructor(status: number, payload: ErrorPayload) {
    super(payload.message);
    this.status = status;
    this.payload = payload;
  }
}

export const apiError = (code: ErrorCode, message: string, fields?: Record<string, string>, status = ERROR_STATUS[code]) =>
  new ApiError(status, fields ? { code, message, fields } : { code, message });

/**
 * Errors that only mean "the peer went away while we were talking": expected during teardown and
 * not worth more than a debug line. One tested helper instead of try/catch everywhere.
 */
const TEARDOWN_CODES = new Set(['EPIPE', 'ECONNRESET', 'ECONNABORTED', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

export function isTeardownError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && TEARDOWN_CODES.has(code)) return true;
  return typeof message === 'string' && /WebSocket is not open|socket hang up|write after end/i.test(message);
}

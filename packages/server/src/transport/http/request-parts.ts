import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '@staff-sync/protocol';
import type { Session } from '../../dispatch/session.ts';
import { apiError } from './api-errors.ts';

/** One HTTP API request, signed in and within its limits, as a route's handler gets it. */
export interface ApiRequest {
  request: IncomingMessage;
  response: ServerResponse;
  url: URL;
  /** The path's parameters (`/staff/:id` -> [id]), decoded. */
  params: string[];
  session: Session;
  /** From Idempotency-Key, on every request that changes something. */
  key: { clientId: string; sequenceNumber: number } | undefined;
}

/** `<clientId>:<sequenceNumber>`: the same pair a WebSocket message carries, so both dedupe alike. */
const IDEMPOTENCY_KEY = /^(.{1,128}):([1-9]\d{0,15})$/s;

/** Read a JSON body of at most `limit` bytes. */
export async function readJson(request: IncomingMessage, limit: number): Promise<unknown> {
  const type = request.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw apiError(ErrorCode.INVALID_MESSAGE, 'send the body as JSON (Content-Type: application/json)', undefined, 415);
  }
  const declared = Number(request.headers['content-length'] ?? 0);
  const tooLarge = () =>
    apiError(
      ErrorCode.INVALID_MESSAGE,
      `the body is larger than the limit of ${limit} bytes (MAX_MESSAGE_BYTES)`,
      undefined,
      413,
    );
  if (declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  const bytes = Buffer.concat(chunks);
  // Decoding would put U+FFFD in place of bytes that are no UTF-8, making bad input look good.
  if (!isUtf8(bytes)) throw apiError(ErrorCode.INVALID_JSON, 'the body is not valid UTF-8');
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw apiError(ErrorCode.INVALID_JSON, 'the body is not valid JSON');
  }
}

export function idempotencyKey(request: IncomingMessage): { clientId: string; sequenceNumber: number } {
  const raw = request.headers['idempotency-key'];
  const match = typeof raw === 'string' ? IDEMPOTENCY_KEY.exec(raw) : null;
  const sequenceNumber = match ? Number(match[2]) : Number.NaN;
  if (!match || !Number.isSafeInteger(sequenceNumber)) {
    throw apiError(ErrorCode.INVALID_MESSAGE, 'a change needs the header Idempotency-Key: <clientId>:<sequenceNumber>', {
      'headers.idempotency-key': 'must be <clientId>:<sequenceNumber>, sequenceNumber an integer >= 1',
    });
  }
  return { clientId: match[1] as string, sequenceNumber };
}

/** A non-negative integer from the query string or a header; undefined when absent. */
export function intParam(value: string | null | undefined, field: string): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (!/^\d{1,16}$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw apiError(ErrorCode.VALIDATION_FAILED, `${field} must be an integer >= 0`, { [field]: 'must be an integer >= 0' });
  }
  return Number(value);
}

/** A path segment, decoded; a malformed one is refused as `field`. */
export function pathParam(raw: string, field: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw apiError(ErrorCode.VALIDATION_FAILED, `the ${field} in the path is not valid`, { [field]: 'must be a UUID' });
  }
}

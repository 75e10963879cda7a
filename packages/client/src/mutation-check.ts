import { type MutationMessage, validateClientMessage } from '@staff-sync/protocol';
import { StaffSyncError } from './errors.ts';

export interface MutationCheck {
  type: MutationMessage['type'];
  payload: Record<string, unknown>;
  /** ISO time of the message. */
  timestamp: string;
  clientId: string;
  /** The server's limit on one frame (HELLO). */
  maxMessageBytes: number;
  /** How full the outbox is. */
  outbox: { size: number; limit: number };
}

/**
 * A change checked before it is queued, with the server's own validation: a bad change is refused
 * here with the same fields, one too large for a frame or one past a full outbox is refused too.
 * The message's sequenceNumber is a placeholder: the queue's is given when it is queued.
 */
export function checkMutation(
  check: MutationCheck,
): { ok: true; message: MutationMessage } | { ok: false; error: StaffSyncError } {
  const { type, payload, timestamp, clientId } = check;
  const parsed = validateClientMessage({ type, payload, timestamp, clientId, sequenceNumber: 1 });
  if (!parsed.ok) {
    const { code, message, fields } = parsed.error;
    return { ok: false, error: new StaffSyncError(code, message, { fields }) };
  }
  // Counted in UTF-8 bytes, as the server counts frames (a Japanese name is 3 bytes a character).
  if (new TextEncoder().encode(JSON.stringify(parsed.value)).length > check.maxMessageBytes - 64) {
    return {
      ok: false,
      error: new StaffSyncError('VALIDATION_FAILED', `the change is larger than ${check.maxMessageBytes} bytes`),
    };
  }
  if (check.outbox.size >= check.outbox.limit) {
    const text = `${check.outbox.limit} changes are waiting to be sent; wait until the connection is back`;
    return { ok: false, error: new StaffSyncError('OUTBOX_FULL', text) };
  }
  return { ok: true, message: parsed.value as MutationMessage };
}

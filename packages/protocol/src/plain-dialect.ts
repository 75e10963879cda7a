import { isInPeriod } from './periods.ts';
import type { Envelope, Period, StaffMember } from './types.ts';

/**
 * What a plain client may leave out or add, turned into the message the protocol defines before
 * it is validated (docs/protocol.md, "The plain dialect"). Everything that would write bad data is
 * still refused by the same schemas afterwards.
 */

/** Message types whose payload fields are all optional: a plain client may leave `payload` out. */
const PAYLOAD_OPTIONAL = new Set(['SYNC_REQUEST', 'SYNC_ALL_PERIODS_REQUEST', 'PING']);

/** Fields the plan's clients send that the protocol derives or does not keep: ignored. */
const IGNORED_FIELDS = ['period', 'type', 'version', 'createdAt', 'updatedAt'];

export interface PlainContext {
  /** The connection's own id: the clientId of a message that has none, or no sequenceNumber. */
  connectionId: string;
  /** A fresh number below zero for a valid message without sequenceNumber (never deduplicated). */
  unsequenced: () => number;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** A start without month means January, an end December (as a missing day means 1 and 31). */
function fillMonth(value: unknown, month: number): unknown {
  if (!isRecord(value) || value.month !== undefined || value.day !== undefined) return value;
  return { ...value, month };
}

/** Member fields as the plan's clients send them, as the protocol names them. */
function memberFields(fields: Record<string, unknown>, dropId: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { ...fields };
  for (const field of IGNORED_FIELDS) delete out[field];
  if (dropId) delete out.id;
  for (const alias of ['staffOrder', 'staff_order']) {
    if (!Object.hasOwn(out, alias)) continue;
    if (out.order === undefined) out.order = out[alias];
    // Two orders that disagree are not guessed between: the alias stays and is refused as unknown.
    if (out[alias] === out.order) delete out[alias];
  }
  if ('startPeriod' in out) out.startPeriod = fillMonth(out.startPeriod, 1);
  if ('endPeriod' in out) out.endPeriod = fillMonth(out.endPeriod, 12);
  return out;
}

/**
 * The message a plain client meant: envelope gaps filled (clientId and sequenceNumber from the
 * connection, timestamp now), an absent payload where every field is optional, the plan's extra
 * fields dropped and its aliases read. Anything that is not an object comes back as it is.
 */
export function normalizePlain(raw: unknown, connectionId: string, now: () => string): { raw: unknown; unsequenced: boolean } {
  if (!isRecord(raw)) return { raw, unsequenced: false };
  const message: Record<string, unknown> = { ...raw };
  const unsequenced = message.sequenceNumber === undefined || message.sequenceNumber === null;
  // Checked by the envelope schema as any number would be; replaced by one below zero after it.
  if (unsequenced) message.sequenceNumber = 1;
  // A clientId that is there is checked as given, even where the connection's id replaces it.
  if (message.clientId === undefined || message.clientId === null) message.clientId = connectionId;
  if (message.timestamp === undefined || message.timestamp === null) message.timestamp = now();
  if (message.payload === undefined && typeof message.type === 'string' && PAYLOAD_OPTIONAL.has(message.type)) {
    message.payload = {};
  }
  const payload = message.payload;
  if (message.type === 'STAFF_CREATE' && isRecord(payload)) {
    message.payload = memberFields(payload, false);
  } else if (message.type === 'STAFF_UPDATE' && isRecord(payload) && isRecord(payload.changes)) {
    message.payload = { ...payload, changes: memberFields(payload.changes, true) };
  }
  return { raw: message, unsequenced };
}

/**
 * A server message as a plain client reads it: one message (never an array), a created member's
 * fields flat in the STAFF_CREATE payload, `error` and `details` beside an ERROR's message, the
 * period's members only (also as `staff`) in a full SYNC_RESPONSE, and no `sequenceNumber` in a
 * reply to a message that had none.
 */
export function toPlainMessage(message: Envelope): Envelope {
  const payload = message.payload as Record<string, unknown>;
  let out: Record<string, unknown> = payload;
  switch (message.type) {
    case 'STAFF_CREATE': {
      const staff = payload.staff as StaffMember | undefined;
      if (staff) out = { ...staff, ...payload };
      break;
    }
    case 'SHIFT_SYNC_RESPONSE': {
      // The real app's schedule screens know no versions.
      const { versions: _versions, ...rest } = payload;
      out = rest;
      break;
    }
    case 'ERROR':
      out = { ...payload, error: payload.message, details: payload.fields ?? {} };
      break;
    case 'SYNC_RESPONSE':
      if (payload.full === true) {
        const period = (payload.periods as Period[] | undefined)?.[payload.period as number];
        const members = (payload.staffMembers as StaffMember[]).filter((m) => !period || isInPeriod(m, period));
        out = { ...payload, staffMembers: members, staff: members };
      } else {
        out = { ...payload, changes: (payload.changes as Envelope[]).map(toPlainMessage) };
      }
      break;
  }
  if (typeof out.sequenceNumber === 'number' && out.sequenceNumber < 0 && ['ACK', 'CONFLICT', 'ERROR'].includes(message.type)) {
    const { sequenceNumber: _none, ...rest } = out;
    out = rest;
  }
  return out === payload ? message : { ...message, payload: out };
}

import * as v from 'valibot';
import { expandBulkBroadcast, type ShiftBulkBroadcast, shiftBulkBroadcastSchema } from './bulk-broadcast.ts';
import { ErrorCode, type FieldErrors } from './errors.ts';
import { type InputProblem, messageInputProblems } from './input-guard.ts';
import { normalizePlain, type PlainContext } from './plain-dialect.ts';
import { clientPayloadSchemas, envelopeSchema } from './schemas.ts';
import { serverMessageSchema } from './server-schemas.ts';
import { expandStaffPatches, type StaffPatches, staffPatchesSchema } from './staff-patches.ts';
import type { ClientMessage, ErrorPayload, ServerMessage } from './types.ts';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: ErrorPayload };

/** Field path -> message for a set of valibot issues; `prefix` names where the checked value sits. */
export function fieldErrors(issues: readonly v.BaseIssue<unknown>[], prefix = ''): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of issues) {
    const path = v.getDotPath(issue);
    const key = [prefix, path].filter(Boolean).join('.') || prefix || '(message)';
    // Keep the first issue per field: it names the first rule broken.
    if (!(key in out)) out[key] = issue.message;
  }
  return out;
}

function describe(fields: FieldErrors): string {
  return Object.entries(fields)
    .map(([path, message]) => `${path}: ${message}`)
    .join('; ');
}

function rawSequenceNumber(value: unknown): number | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const n = (value as { sequenceNumber?: unknown }).sequenceNumber;
  return typeof n === 'number' && Number.isSafeInteger(n) ? n : undefined;
}

function failure(code: ErrorCode, message: string, raw: unknown, fields?: FieldErrors): { ok: false; error: ErrorPayload } {
  const error: ErrorPayload = { code, message };
  const sequenceNumber = rawSequenceNumber(raw);
  if (sequenceNumber !== undefined) error.sequenceNumber = sequenceNumber;
  if (fields) error.fields = fields;
  return { ok: false, error };
}

export interface ValidateOptions {
  /** The message came from a plain-dialect client: its looser envelope and extra fields are taken. */
  plain?: PlainContext;
}

const problemFields = (problem: InputProblem): FieldErrors => ({ [problem.path]: problem.message });

/**
 * Validate an already-parsed client message: what no message may hold anywhere (input-guard.ts),
 * then envelope, type and payload. The value's payload is normalized (strings trimmed, the
 * derived `type` dropped). A plain message without `sequenceNumber` gets one below zero from
 * `options.plain`: it is applied but never deduplicated.
 */
export function validateClientMessage(input: unknown, options: ValidateOptions = {}): ParseResult<ClientMessage> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return failure(ErrorCode.INVALID_MESSAGE, 'a message must be a JSON object', input);
  }
  // Checked on the message as sent, before the plain dialect fills in or drops anything.
  const problems = messageInputProblems(input as Record<string, unknown>);
  if (problems.envelope) {
    const fields = problemFields(problems.envelope);
    return failure(ErrorCode.INVALID_MESSAGE, `invalid envelope: ${describe(fields)}`, input, fields);
  }
  let raw: unknown = input;
  let unsequenced = false;
  if (options.plain) ({ raw, unsequenced } = normalizePlain(input, options.plain.connectionId, () => new Date().toISOString()));
  // A reply names the message by its own sequenceNumber, never by one filled in for it.
  const named = unsequenced ? undefined : raw;
  const envelope = v.safeParse(envelopeSchema, raw);
  if (!envelope.success) {
    const fields = fieldErrors(envelope.issues);
    return failure(ErrorCode.INVALID_MESSAGE, `invalid envelope: ${describe(fields)}`, named, fields);
  }
  const { type, payload } = envelope.output;
  const schema = clientPayloadSchemas[type as keyof typeof clientPayloadSchemas];
  if (!schema || !Object.hasOwn(clientPayloadSchemas, type)) {
    return failure(
      ErrorCode.UNKNOWN_TYPE,
      `unknown message type "${Array.from(type).slice(0, 40).join('')}"; expected one of ${Object.keys(clientPayloadSchemas).join(', ')}`,
      named,
    );
  }
  if (problems.payload) {
    const fields = problemFields(problems.payload);
    return failure(ErrorCode.VALIDATION_FAILED, `invalid ${type}: ${describe(fields)}`, named, fields);
  }
  const parsed = v.safeParse(schema as v.GenericSchema, payload);
  if (!parsed.success) {
    const fields = fieldErrors(parsed.issues, 'payload');
    const unknownMember = options.plain ? unknownMemberId(payload, fields) : undefined;
    // The plan's clients (and its load test) name members by ids that are no UUIDs: no such member.
    if (unknownMember !== undefined) return failure(ErrorCode.NOT_FOUND, `staff member ${unknownMember} does not exist`, named);
    return failure(ErrorCode.VALIDATION_FAILED, `invalid ${type}: ${describe(fields)}`, named, fields);
  }
  const normalized = stripDerived(type, parsed.output as Record<string, unknown>);
  return {
    ok: true,
    value: {
      type,
      payload: normalized,
      timestamp: envelope.output.timestamp,
      // An unsequenced plain message stands for the connection, whatever clientId it gave.
      clientId: unsequenced && options.plain ? options.plain.connectionId : envelope.output.clientId,
      sequenceNumber: unsequenced && options.plain ? options.plain.unsequenced() : envelope.output.sequenceNumber,
    } as ClientMessage,
  };
}

/** A staffId that is a string but no UUID, when it is the only thing wrong: it names no member. */
function unknownMemberId(payload: Record<string, unknown>, fields: FieldErrors): string | undefined {
  const id = payload.staffId;
  const keys = Object.keys(fields);
  if (typeof id !== 'string' || id.length === 0 || id.length > 200 || keys.length !== 1 || keys[0] !== 'payload.staffId') {
    return undefined;
  }
  return JSON.stringify(id);
}

function stripDerived(type: string, payload: Record<string, unknown>): Record<string, unknown> {
  if (type === 'STAFF_CREATE' && 'type' in payload) {
    const { type: _derived, ...rest } = payload;
    return rest;
  }
  if (type === 'STAFF_UPDATE') {
    const changes = payload.changes as Record<string, unknown>;
    if ('type' in changes) {
      const { type: _derived, ...rest } = changes;
      return { ...payload, changes: rest };
    }
  }
  return payload;
}

/** Parse one text frame from a client: JSON, then {@link validateClientMessage}. */
export function parseClientFrame(text: string, options: ValidateOptions = {}): ParseResult<ClientMessage> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return failure(ErrorCode.INVALID_JSON, 'the frame is not valid JSON', undefined);
  }
  return validateClientMessage(raw, options);
}

export interface ServerFrame {
  /** Valid messages of known types, in frame order. */
  messages: ServerMessage[];
  /** Messages that failed validation (known type, wrong shape), with the reason. */
  invalid: { message: unknown; reason: string }[];
  /** Types this client does not know; ignored by design. */
  unknownTypes: string[];
}

const KNOWN_SERVER_TYPES = new Set(serverMessageSchema.options.map((o) => o.entries.type.literal as string));

/** Parse one text frame from the server: one message or an array of messages. */
export function parseServerFrame(text: string): ServerFrame {
  const frame: ServerFrame = { messages: [], invalid: [], unknownTypes: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    frame.invalid.push({ message: text.slice(0, 200), reason: 'not JSON' });
    return frame;
  }
  for (const item of Array.isArray(raw) ? raw : [raw]) {
    const type = item && typeof item === 'object' ? (item as { type?: unknown }).type : undefined;
    if (type === 'SHIFT_BULK_BROADCAST') {
      // A whole bulk change in one message (staff-sync.v2): read as the events it stands for.
      const bulk = v.safeParse(shiftBulkBroadcastSchema, item);
      if (bulk.success) frame.messages.push(...expandBulkBroadcast(bulk.output as ShiftBulkBroadcast));
      else frame.invalid.push({ message: item, reason: describe(fieldErrors(bulk.issues)) });
      continue;
    }
    if (type === 'STAFF_PATCHES') {
      // Compact staff changes (staff-sync.v2): read as the compact events they stand for.
      const patches = v.safeParse(staffPatchesSchema, item);
      if (patches.success) frame.messages.push(...expandStaffPatches(patches.output as StaffPatches));
      else frame.invalid.push({ message: item, reason: describe(fieldErrors(patches.issues)) });
      continue;
    }
    if (typeof type === 'string' && !KNOWN_SERVER_TYPES.has(type)) {
      frame.unknownTypes.push(type);
      continue;
    }
    const parsed = v.safeParse(serverMessageSchema, item);
    if (parsed.success) frame.messages.push(parsed.output as ServerMessage);
    else frame.invalid.push({ message: item, reason: describe(fieldErrors(parsed.issues)) });
  }
  return frame;
}

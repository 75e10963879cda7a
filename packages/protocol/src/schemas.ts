import * as v from 'valibot';
import { resolvesSchema } from './assist.ts';
import { MAX_VERSION } from './input-guard.ts';
import { isPeriodOrderValid, isValidYmd } from './periods.ts';
import { CUSTOM_TEXT_MAX } from './schedule.ts';
import { int, objectMessage, objectOnly, text, uuidSchema } from './schema-parts.ts';
import { COLOR_MAX, NAME_MAX, ORDER_MAX, POSITION_MAX } from './staff.ts';
import { DEPARTMENTS, STATUSES, type YMD } from './types.ts';

/**
 * Runtime schemas for every message on the wire. Client messages are checked strictly (unknown
 * payload fields are refused); server messages loosely (a newer server may add fields).
 */

export const ymdSchema = objectOnly(
  v.pipe(
    v.strictObject(
      {
        year: int('year', 1900, 2200),
        month: int('month', 1, 12),
        day: v.optional(int('day', 1, 31)),
      },
      objectMessage('a period { year, month, day? }'),
    ),
    v.check(isValidYmd, 'day does not exist in that month'),
  ),
  'a period { year, month, day? }',
);

const fieldSchemas = {
  name: text('name', NAME_MAX),
  position: text('position', POSITION_MAX),
  department: v.picklist(DEPARTMENTS, `department must be one of ${DEPARTMENTS.join(', ')}`),
  status: v.picklist(STATUSES, `status must be one of ${STATUSES.join(', ')}`),
  color: v.nullable(
    v.pipe(v.string('color must be a string or null'), v.maxLength(COLOR_MAX, `color must be at most ${COLOR_MAX} characters`)),
  ),
  order: int('order', 0, ORDER_MAX),
  startPeriod: v.nullable(ymdSchema),
  endPeriod: v.nullable(ymdSchema),
  isActive: v.boolean('isActive must be a boolean'),
};

/** `type` is derived by the server; a client that sends it (as the plan's form does) is not refused, the value is ignored. */
const derivedType = v.optional(v.picklist(['regular', 'part-time'], 'type must be regular or part-time'));

type Periods = { startPeriod?: YMD | null; endPeriod?: YMD | null };
const periodOrder = <T extends Periods>() =>
  v.forward<T, v.CheckIssue<T>, ['endPeriod']>(
    v.check<T, string>((m) => isPeriodOrderValid(m.startPeriod, m.endPeriod), 'endPeriod must not be before startPeriod'),
    ['endPeriod'] as never,
  );

/** Every editable field, optional, plus the derived `type` (accepted and ignored). */
const optionalFields = {
  name: v.optional(fieldSchemas.name),
  position: v.optional(fieldSchemas.position),
  department: v.optional(fieldSchemas.department),
  status: v.optional(fieldSchemas.status),
  type: derivedType,
  color: v.optional(fieldSchemas.color),
  order: v.optional(fieldSchemas.order),
  startPeriod: v.optional(fieldSchemas.startPeriod),
  endPeriod: v.optional(fieldSchemas.endPeriod),
  isActive: v.optional(fieldSchemas.isActive),
};

export const staffCreateSchema = v.pipe(
  v.strictObject(
    { ...optionalFields, id: v.optional(uuidSchema('id')), name: fieldSchemas.name, position: fieldSchemas.position },
    objectMessage('payload'),
  ),
  periodOrder(),
);

export const staffChangesSchema = objectOnly(
  v.pipe(
    v.strictObject(optionalFields, objectMessage('changes', 'unknown or read-only field')),
    v.check((c) => Object.keys(c).some((k) => k !== 'type'), 'changes must name at least one field'),
    periodOrder(),
  ),
  'changes',
);

const versionSchema = v.optional(int('version', 1, MAX_VERSION));

export const staffUpdateSchema = v.strictObject(
  { staffId: uuidSchema('staffId'), changes: staffChangesSchema, version: versionSchema, resolves: v.optional(resolvesSchema) },
  objectMessage('payload'),
);

export const staffDeleteSchema = v.strictObject(
  { staffId: uuidSchema('staffId'), version: versionSchema },
  objectMessage('payload'),
);

export const syncRequestSchema = v.strictObject(
  {
    period: v.optional(int('period', 0, 100_000)),
    sinceSeq: v.optional(int('sinceSeq', 0, Number.MAX_SAFE_INTEGER)),
  },
  objectMessage('payload'),
);

/** Other keys are ignored; a `timestamp` comes back in a plain client's PONG. */
export const pingSchema = v.object(
  { timestamp: v.optional(v.string('timestamp must be a string')) },
  'payload must be an object',
);

export const syncAllPeriodsSchema = v.strictObject({}, objectMessage('payload'));

/** A calendar date `YYYY-MM-DD` that exists. */
const dateKeySchema = (what: string) =>
  v.pipe(
    v.string(`${what} must be a string`),
    v.regex(/^\d{4}-\d{2}-\d{2}$/, `${what} must be a date YYYY-MM-DD`),
    v.check((d) => {
      const [y, m, day] = d.split('-').map(Number) as [number, number, number];
      return m >= 1 && m <= 12 && day >= 1 && isValidYmd({ year: y, month: m, day });
    }, `${what} is not a date that exists`),
  );

export const presenceSetSchema = v.strictObject(
  {
    staffId: v.nullable(uuidSchema('staffId')),
    dateKey: v.optional(v.nullable(dateKeySchema('dateKey'))),
    userName: v.optional(text('userName', 100)),
  },
  objectMessage('payload'),
);

// ---- the schedule ----

/** A cell value as sent: the symbol rules and the custom text's length are checked against the member. */
const shiftValueSchema = v.nullable(
  v.pipe(v.string('shiftValue must be a string or null'), v.maxLength(CUSTOM_TEXT_MAX * 2, 'shiftValue is too long')),
);
const periodIndexSchema = int('periodIndex', 0, 100_000);
const cellVersionSchema = int('version', 0, MAX_VERSION);
/** Cells in one bulk change: a whole period of a large roster. */
export const MAX_BULK_CELLS = 5000;

const cellMap = <T extends v.GenericSchema>(value: T, what: string) =>
  objectOnly(
    v.record(
      uuidSchema('staffId'),
      objectOnly(
        v.record(dateKeySchema('date'), value, `a member's ${what} must be { [YYYY-MM-DD]: value }`),
        `a member's ${what}`,
      ),
      `${what} must be { [staffId]: { [YYYY-MM-DD]: value } }`,
    ),
    what,
  );

export const shiftSyncRequestSchema = v.strictObject(
  {
    periodIndex: periodIndexSchema,
    scheduleId: v.optional(uuidSchema('scheduleId')),
    sinceSeq: v.optional(int('sinceSeq', 0, Number.MAX_SAFE_INTEGER)),
  },
  objectMessage('payload'),
);

export const shiftUpdateSchema = v.strictObject(
  {
    staffId: uuidSchema('staffId'),
    dateKey: dateKeySchema('dateKey'),
    shiftValue: shiftValueSchema,
    version: v.optional(cellVersionSchema),
    scheduleId: v.optional(uuidSchema('scheduleId')),
    periodIndex: v.optional(periodIndexSchema),
    resolves: v.optional(resolvesSchema),
  },
  objectMessage('payload'),
);

export const shiftBulkUpdateSchema = v.pipe(
  v.strictObject(
    {
      periodIndex: periodIndexSchema,
      scheduleId: v.optional(uuidSchema('scheduleId')),
      scheduleData: cellMap(shiftValueSchema, 'scheduleData'),
      versions: v.optional(cellMap(cellVersionSchema, 'versions')),
    },
    objectMessage('payload'),
  ),
  v.check((p) => {
    const count = Object.values(p.scheduleData).reduce((n, cells) => n + Object.keys(cells).length, 0);
    return count >= 1 && count <= MAX_BULK_CELLS;
  }, `scheduleData must hold 1 to ${MAX_BULK_CELLS} cells`),
);

export const clientPayloadSchemas = {
  SYNC_REQUEST: syncRequestSchema,
  STAFF_CREATE: staffCreateSchema,
  STAFF_UPDATE: staffUpdateSchema,
  STAFF_DELETE: staffDeleteSchema,
  PING: pingSchema,
  PRESENCE_SET: presenceSetSchema,
  SYNC_ALL_PERIODS_REQUEST: syncAllPeriodsSchema,
  SHIFT_SYNC_REQUEST: shiftSyncRequestSchema,
  SHIFT_UPDATE: shiftUpdateSchema,
  SHIFT_BULK_UPDATE: shiftBulkUpdateSchema,
} as const;

export const envelopeSchema = v.object(
  {
    type: v.pipe(v.string('type must be a string'), v.minLength(1, 'type is required')),
    // Not a record schema: that would copy the payload without its prototype keys and take an array.
    payload: v.custom<Record<string, unknown>>(
      (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
      'payload must be an object (not an array)',
    ),
    timestamp: v.pipe(v.string('timestamp must be a string'), v.isoTimestamp('timestamp must be an ISO-8601 timestamp')),
    clientId: v.pipe(
      v.string('clientId must be a string'),
      v.minLength(1, 'clientId is required'),
      v.maxLength(128, 'clientId must be at most 128 characters'),
    ),
    sequenceNumber: int('sequenceNumber', 1, Number.MAX_SAFE_INTEGER),
  },
  objectMessage('a message'),
);

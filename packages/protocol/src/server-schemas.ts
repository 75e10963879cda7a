import * as v from 'valibot';
import { resolvedSchema, suggestionSchema } from './assist.ts';
import { CONFLICT_STRATEGIES, DEPARTMENTS, ROLES, STATUSES } from './types.ts';

/**
 * Runtime schemas for the server's messages, checked loosely: a newer server may add fields. The
 * client's messages are in schemas.ts, checked strictly.
 */

export const staffMemberSchema = v.object({
  id: v.string(),
  name: v.string(),
  position: v.string(),
  department: v.picklist(DEPARTMENTS),
  status: v.picklist(STATUSES),
  type: v.picklist(['regular', 'part-time']),
  color: v.nullable(v.string()),
  order: v.number(),
  startPeriod: v.nullable(v.object({ year: v.number(), month: v.number(), day: v.optional(v.number()) })),
  endPeriod: v.nullable(v.object({ year: v.number(), month: v.number(), day: v.optional(v.number()) })),
  isActive: v.boolean(),
  version: v.number(),
  createdAt: v.string(),
  updatedAt: v.string(),
});

const serverEnvelope = {
  timestamp: v.string(),
  clientId: v.string(),
  sequenceNumber: v.number(),
  seq: v.optional(v.number()),
};

const changePayloadSchema = v.object({
  staffId: v.string(),
  staff: v.optional(staffMemberSchema),
  changes: v.record(v.string(), v.unknown()),
  version: v.number(),
});

const changeEventSchema = (type: 'STAFF_CREATE' | 'STAFF_UPDATE' | 'STAFF_DELETE') =>
  v.object({ type: v.literal(type), payload: changePayloadSchema, ...serverEnvelope, seq: v.number() });

const cellValue = v.nullable(v.string());
const cellMapOf = <T extends v.GenericSchema>(value: T) => v.record(v.string(), v.record(v.string(), value));

export const shiftBroadcastSchema = v.object({
  type: v.literal('SHIFT_BROADCAST'),
  payload: v.object({
    staffId: v.string(),
    dateKey: v.string(),
    shiftValue: cellValue,
    version: v.number(),
    scheduleId: v.string(),
    periodIndex: v.number(),
  }),
  ...serverEnvelope,
  seq: v.number(),
});

export const changeEventSchemas = [
  changeEventSchema('STAFF_CREATE'),
  changeEventSchema('STAFF_UPDATE'),
  changeEventSchema('STAFF_DELETE'),
  shiftBroadcastSchema,
] as const;

const periodSchema = v.object({ index: v.number(), startDate: v.string(), endDate: v.string(), label: v.string() });

export const serverMessageSchema = v.variant('type', [
  ...changeEventSchemas,
  v.object({
    type: v.literal('SYNC_RESPONSE'),
    payload: v.variant('full', [
      v.object({
        full: v.literal(true),
        period: v.number(),
        periods: v.array(periodSchema),
        staffMembers: v.array(staffMemberSchema),
      }),
      v.object({ full: v.literal(false), changes: v.array(v.variant('type', [...changeEventSchemas])) }),
    ]),
    ...serverEnvelope,
    seq: v.number(),
  }),
  v.object({
    type: v.literal('ACK'),
    payload: v.union([
      v.object({
        sequenceNumber: v.number(),
        staffId: v.string(),
        version: v.number(),
        seq: v.number(),
        duplicate: v.optional(v.literal(true)),
        resolved: v.optional(resolvedSchema),
      }),
      v.object({
        sequenceNumber: v.number(),
        seq: v.number(),
        cells: v.number(),
        versions: cellMapOf(v.number()),
        duplicate: v.optional(v.literal(true)),
        resolved: v.optional(resolvedSchema),
      }),
    ]),
    ...serverEnvelope,
  }),
  v.object({
    type: v.literal('SHIFT_SYNC_RESPONSE'),
    payload: v.object({
      periodIndex: v.number(),
      scheduleId: v.string(),
      scheduleData: cellMapOf(v.string()),
      versions: v.optional(cellMapOf(v.number())),
      broadcast: v.optional(v.literal(true)),
    }),
    ...serverEnvelope,
    seq: v.number(),
  }),
  v.object({
    type: v.literal('CONFLICT'),
    payload: v.union([
      v.object({
        sequenceNumber: v.number(),
        staffId: v.string(),
        strategy: v.picklist(CONFLICT_STRATEGIES),
        baseVersion: v.number(),
        current: staffMemberSchema,
        attempted: v.record(v.string(), v.unknown()),
        conflictingFields: v.array(v.string()),
        suggestion: v.optional(suggestionSchema),
      }),
      v.object({
        sequenceNumber: v.number(),
        strategy: v.picklist(CONFLICT_STRATEGIES),
        cells: v.array(
          v.object({
            staffId: v.string(),
            dateKey: v.string(),
            baseVersion: v.number(),
            current: v.object({ shiftValue: cellValue, version: v.number() }),
            attempted: cellValue,
          }),
        ),
        conflictingFields: v.array(v.string()),
        suggestion: v.optional(suggestionSchema),
      }),
    ]),
    ...serverEnvelope,
  }),
  v.object({
    type: v.literal('ERROR'),
    payload: v.object({
      code: v.string(),
      message: v.string(),
      sequenceNumber: v.optional(v.number()),
      fields: v.optional(v.record(v.string(), v.string())),
    }),
    ...serverEnvelope,
  }),
  v.object({ type: v.literal('PONG'), payload: v.object({}), ...serverEnvelope }),
  v.object({
    type: v.literal('HELLO'),
    payload: v.object({
      protocolVersion: v.number(),
      serverVersion: v.string(),
      connectionId: v.string(),
      restaurantId: v.string(),
      role: v.picklist(ROLES),
      strategy: v.picklist(CONFLICT_STRATEGIES),
      limits: v.object({ maxMessageBytes: v.number(), maxOutboxHint: v.number() }),
      assist: v.optional(v.object({ confidence: v.number() })),
    }),
    ...serverEnvelope,
  }),
  v.object({
    type: v.literal('PRESENCE'),
    payload: v.object({
      editors: v.array(
        v.object({ clientId: v.string(), userName: v.string(), staffId: v.string(), dateKey: v.optional(v.string()) }),
      ),
    }),
    ...serverEnvelope,
  }),
]);

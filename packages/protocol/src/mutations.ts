import type {
  AckPayload,
  ClientMessage,
  ConflictPayload,
  MutationMessage,
  ShiftAckPayload,
  ShiftConflictPayload,
  StaffMutationMessage,
} from './types.ts';

/** The client messages that change data: each is deduplicated, versioned and answered ACK, CONFLICT or ERROR. */
export const MUTATION_TYPES: readonly MutationMessage['type'][] = [
  'STAFF_CREATE',
  'STAFF_UPDATE',
  'STAFF_DELETE',
  'SHIFT_UPDATE',
  'SHIFT_BULK_UPDATE',
];

export function isMutation(message: ClientMessage): message is MutationMessage {
  return (MUTATION_TYPES as readonly string[]).includes(message.type);
}

/** True for the ACK of a schedule change (it names cells, not a member). */
export function isShiftAck(payload: AckPayload | ShiftAckPayload): payload is ShiftAckPayload {
  return 'cells' in payload;
}

/** True for the CONFLICT of a schedule change. */
export function isShiftConflict(payload: ConflictPayload | ShiftConflictPayload): payload is ShiftConflictPayload {
  return 'cells' in payload;
}

export function isStaffMutation(message: MutationMessage): message is StaffMutationMessage {
  return message.type.startsWith('STAFF_');
}

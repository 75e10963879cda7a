import type { ChangeEvent, MutationMessage, StaffChanges, StaffMember } from '@staff-sync/protocol';

/** A confirmed member at `version`. */
export function member(id: string, version = 1, fields: Partial<StaffMember> = {}): StaffMember {
  return {
    id,
    name: `name ${id}`,
    position: 'cook',
    department: '調理',
    status: '社員',
    type: 'regular',
    color: null,
    order: 0,
    startPeriod: null,
    endPeriod: null,
    isActive: true,
    version,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...fields,
  };
}

/** The committed change event at `seq` that leaves `staff` as given. */
export function changeEvent(seq: number, staff: StaffMember, type: ChangeEvent['type'] = 'STAFF_UPDATE'): ChangeEvent {
  return {
    type,
    payload: { staffId: staff.id, staff, changes: {}, version: staff.version },
    timestamp: '2026-01-01T00:00:00.000Z',
    clientId: 'server',
    sequenceNumber: seq,
    seq,
  };
}

const envelope = { timestamp: '2026-01-01T00:00:00.000Z', clientId: 'me' };

export function update(sequenceNumber: number, staffId: string, changes: StaffChanges, version?: number): MutationMessage {
  const payload = version === undefined ? { staffId, changes } : { staffId, changes, version };
  return { type: 'STAFF_UPDATE', payload, sequenceNumber, ...envelope } as MutationMessage;
}

export function create(sequenceNumber: number, id: string, name: string): MutationMessage {
  return { type: 'STAFF_CREATE', payload: { id, name, position: 'cook' }, sequenceNumber, ...envelope } as MutationMessage;
}

export function remove(sequenceNumber: number, staffId: string): MutationMessage {
  return { type: 'STAFF_DELETE', payload: { staffId }, sequenceNumber, ...envelope } as MutationMessage;
}

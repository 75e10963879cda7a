import {
  applyChanges,
  compareStaff,
  DEFAULT_DEPARTMENT,
  DEFAULT_STATUS,
  isStaffMutation,
  type MutationMessage,
  type StaffMember,
  type StaffMutationMessage,
  staffTypeOf,
} from '@staff-sync/protocol';

/** The member a create will produce, as far as the client can tell before the server answers. */
function memberFromCreate(message: Extract<StaffMutationMessage, { type: 'STAFF_CREATE' }>): StaffMember {
  const p = message.payload;
  const status = p.status ?? DEFAULT_STATUS;
  return {
    id: p.id as string,
    name: p.name,
    position: p.position,
    department: p.department ?? DEFAULT_DEPARTMENT,
    status,
    type: staffTypeOf(status),
    color: p.color ?? null,
    order: p.order ?? 0,
    startPeriod: p.startPeriod ?? null,
    endPeriod: p.endPeriod ?? null,
    isActive: p.isActive ?? true,
    version: 0,
    createdAt: message.timestamp,
    updatedAt: message.timestamp,
  };
}

/**
 * What the screen shows: the confirmed members with the pending mutations replayed on top, in
 * order, then sorted for display. Pure; called whenever either side changes.
 */
export function optimisticView(confirmed: ReadonlyMap<string, StaffMember>, pending: readonly MutationMessage[]): StaffMember[] {
  const members = new Map(confirmed);
  for (const message of pending) {
    // Schedule changes are the schedule view's (schedule-store.ts).
    if (!isStaffMutation(message)) continue;
    if (message.type === 'STAFF_CREATE') {
      const member = memberFromCreate(message);
      if (!members.has(member.id) && member.isActive) members.set(member.id, member);
      continue;
    }
    const member = members.get(message.payload.staffId);
    if (message.type === 'STAFF_DELETE') {
      members.delete(message.payload.staffId);
    } else if (member) {
      const next = applyChanges(member, message.payload.changes);
      if (next.isActive) members.set(member.id, next);
      else members.delete(member.id);
    }
  }
  return [...members.values()].sort(compareStaff);
}

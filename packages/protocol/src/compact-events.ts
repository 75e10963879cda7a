import { staffTypeOf } from './staff.ts';
import type { AnyChangeEvent, ChangeEvent, StaffMember } from './types.ts';

/**
 * Compact change events (`staff-sync.v2`, docs/protocol.md "Compact change events"): a
 * STAFF_UPDATE or STAFF_DELETE event without the whole member, only what changed, its version,
 * `seq` and the originator. STAFF_CREATE keeps the member (there is nothing to apply it to), and
 * so does an update that brings a deleted member back (clients hold active members only);
 * SHIFT_BROADCAST is compact already.
 */
export function toCompactEvent<E extends AnyChangeEvent>(event: E): E {
  if (event.type !== 'STAFF_UPDATE' && event.type !== 'STAFF_DELETE') return event;
  if (event.payload.changes.isActive === true) return event;
  const { staffId, changes, version } = event.payload;
  return { ...event, payload: { staffId, changes, version } };
}

/**
 * The member after a compact event, from the copy held at `version - 1`; undefined when the copy
 * is missing or at another version (a version gap: the caller resumes, as for a `seq` gap).
 * Derived fields follow as the server derives them: `type` from `status`, `updatedAt` the commit
 * time (the event's timestamp).
 */
export function applyCompactEvent(held: StaffMember | undefined, event: ChangeEvent): StaffMember | undefined {
  if (event.payload.staff) return event.payload.staff;
  if (!held || held.version !== event.payload.version - 1) return undefined;
  const next: StaffMember = { ...held, ...event.payload.changes, version: event.payload.version, updatedAt: event.timestamp };
  next.type = staffTypeOf(next.status);
  if (event.type === 'STAFF_DELETE') next.isActive = false;
  return next;
}

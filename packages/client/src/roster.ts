import {
  type AnyChangeEvent,
  applyCompactEvent,
  type FullSyncPayload,
  type Period,
  type StaffMember,
} from '@staff-sync/protocol';

export type ApplyResult = 'applied' | 'old' | 'gap';

/**
 * The confirmed server state: active members, the restaurant's periods, and the seq it reflects.
 * Only the server's messages change it, in seq order. Members are replaced only by the same or a
 * newer version, so a CONFLICT's `current` (which has no seq) cannot be undone by an older event.
 */
export class Roster {
  #members = new Map<string, StaffMember>();
  #periods: readonly Period[] = [];
  #seq = 0;
  #synced = false;

  /** True once a full snapshot was applied; change events before it are ignored. */
  get synced(): boolean {
    return this.#synced;
  }

  /** The last seq applied. */
  get seq(): number {
    return this.#seq;
  }

  get periods(): readonly Period[] {
    return this.#periods;
  }

  get members(): ReadonlyMap<string, StaffMember> {
    return this.#members;
  }

  /** Replace everything with a full snapshot covering up to `seq`. */
  replace(payload: FullSyncPayload, seq: number): void {
    this.#members = new Map(payload.staffMembers.filter((m) => m.isActive).map((m) => [m.id, m]));
    this.#periods = payload.periods;
    this.#seq = seq;
    this.#synced = true;
  }

  /**
   * Apply the next change event; `gap` when one or more before it are missing, or when a compact
   * event (`staff-sync.v2`) finds the member at another version than the one it applies to.
   */
  apply(event: AnyChangeEvent): ApplyResult {
    if (event.seq <= this.#seq) return 'old';
    if (event.seq !== this.#seq + 1) return 'gap';
    // A change of another collection (a schedule cell) moves the restaurant's seq on all the same.
    if (event.type !== 'SHIFT_BROADCAST') {
      const held = this.#members.get(event.payload.staffId);
      const member = applyCompactEvent(held, event);
      if (member) this.setMember(member);
      // Not applicable: newer already held (a CONFLICT's current), or a delete of one not held.
      else if (!(held && held.version >= event.payload.version) && !(event.type === 'STAFF_DELETE' && !held)) return 'gap';
    }
    this.#seq = event.seq;
    return 'applied';
  }

  /** A delta's end: every event up to `seq` has been applied. */
  advanceTo(seq: number): void {
    if (seq > this.#seq) this.#seq = seq;
  }

  /** Take a member as the server has it, unless what we hold is newer. */
  setMember(member: StaffMember): void {
    const held = this.#members.get(member.id);
    if (held && held.version > member.version) return;
    if (member.isActive) this.#members.set(member.id, member);
    else this.#members.delete(member.id);
  }
}

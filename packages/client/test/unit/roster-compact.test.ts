import type { ChangeEvent } from '@staff-sync/protocol';
import { describe, expect, it } from 'vitest';
import { Roster } from '../../src/roster.ts';
import { member } from './fixtures.ts';

/** A compact event (staff-sync.v2): no `staff`, only what changed. */
const compact = (type: 'STAFF_UPDATE' | 'STAFF_DELETE', staffId: string, version: number, seq: number): ChangeEvent => ({
  type,
  payload: { staffId, changes: type === 'STAFF_DELETE' ? { isActive: false } : { name: `${staffId}+` }, version },
  timestamp: '2026-12-01T10:00:00.000Z',
  clientId: 'other',
  sequenceNumber: 1,
  seq,
});

describe('the roster with compact events', () => {
  const roster = () => {
    const r = new Roster();
    r.replace({ full: true, period: 0, periods: [], staffMembers: [member('a', 2), member('b', 1)] }, 10);
    return r;
  };

  it('applies an update to the copy at version - 1 and moves seq on', () => {
    const r = roster();
    expect(r.apply(compact('STAFF_UPDATE', 'a', 3, 11))).toBe('applied');
    expect(r.members.get('a')).toMatchObject({ name: 'a+', version: 3, updatedAt: '2026-12-01T10:00:00.000Z' });
    expect(r.seq).toBe(11);
    expect(r.apply(compact('STAFF_DELETE', 'b', 2, 12))).toBe('applied');
    expect(r.members.has('b')).toBe(false);
  });

  it('reports a version gap as a gap and stays where it was, so the client resumes', () => {
    const r = roster();
    expect(r.apply(compact('STAFF_UPDATE', 'a', 4, 11))).toBe('gap');
    expect(r.apply(compact('STAFF_UPDATE', 'unknown', 2, 11))).toBe('gap');
    expect(r.seq).toBe(10);
    expect(r.members.get('a')?.version).toBe(2);
  });

  it('keeps a newer copy (a CONFLICT current) and takes a delete of a member it no longer holds', () => {
    const r = roster();
    r.setMember(member('a', 5));
    expect(r.apply(compact('STAFF_UPDATE', 'a', 4, 11))).toBe('applied');
    expect(r.members.get('a')?.version).toBe(5);
    expect(r.apply(compact('STAFF_DELETE', 'gone', 3, 12))).toBe('applied');
    expect(r.seq).toBe(12);
  });
});

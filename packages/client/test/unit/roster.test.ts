import { describe, expect, it } from 'vitest';
import { Roster } from '../../src/roster.ts';
import { changeEvent, member } from './fixtures.ts';

const snapshotAt = (seq: number, ...members: ReturnType<typeof member>[]) => {
  const roster = new Roster();
  roster.replace({ full: true, period: 0, periods: [], staffMembers: members }, seq);
  return roster;
};

/** The confirmed state's seq rules: the next seq applies, an older one is ignored, a skipped one is a gap. */
describe('Roster', () => {
  it('applies exactly the next seq, ignores ones it holds, and reports a gap without applying it', () => {
    const roster = snapshotAt(10, member('a', 1));
    expect(roster.apply(changeEvent(11, member('a', 2, { name: 'eleven' })))).toBe('applied');
    expect(roster.seq).toBe(11);
    expect(roster.apply(changeEvent(11, member('a', 3, { name: 'again' })))).toBe('old');
    expect(roster.apply(changeEvent(9, member('a', 3)))).toBe('old');
    expect(roster.apply(changeEvent(13, member('a', 4, { name: 'thirteen' })))).toBe('gap');
    expect(roster.seq).toBe(11);
    expect(roster.members.get('a')?.name).toBe('eleven');
  });

  it('drops inactive members from a snapshot and on a delete', () => {
    const roster = snapshotAt(1, member('a'), member('b', 1, { isActive: false }));
    expect([...roster.members.keys()]).toEqual(['a']);
    expect(roster.apply(changeEvent(2, member('a', 2, { isActive: false }), 'STAFF_DELETE'))).toBe('applied');
    expect(roster.members.size).toBe(0);
  });

  it('moves its seq on for a change of another collection without touching the members', () => {
    const roster = snapshotAt(5, member('a'));
    const cell = { ...changeEvent(6, member('a')), type: 'SHIFT_BROADCAST', payload: {} } as never;
    expect(roster.apply(cell)).toBe('applied');
    expect(roster.seq).toBe(6);
    expect(roster.members.get('a')?.version).toBe(1);
  });

  it('never takes an older version of a member (a CONFLICT’s current one stays)', () => {
    const roster = snapshotAt(1, member('a', 5));
    roster.setMember(member('a', 4, { name: 'older' }));
    expect(roster.members.get('a')?.version).toBe(5);
    roster.advanceTo(3);
    roster.advanceTo(2);
    expect(roster.seq).toBe(3);
  });

  it('counts seqs from 0 before a snapshot, but says it is not synced until one is applied', () => {
    const roster = new Roster();
    expect(roster.synced).toBe(false);
    expect(roster.apply(changeEvent(1, member('a')))).toBe('applied');
    expect(roster.synced).toBe(false);
  });
});

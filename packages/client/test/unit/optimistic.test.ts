import { describe, expect, it } from 'vitest';
import { optimisticView } from '../../src/optimistic.ts';
import { create, member, remove, update } from './fixtures.ts';

const confirmed = (...members: ReturnType<typeof member>[]) => new Map(members.map((m) => [m.id, m]));

/** What the screen shows: confirmed members with the pending mutations replayed on top, in order. */
describe('optimisticView', () => {
  it('replays pending updates in order over the confirmed member, leaving the confirmed map as it was', () => {
    const base = confirmed(member('a', 3, { name: 'Aiko' }));
    const view = optimisticView(base, [update(1, 'a', { name: 'Aki' }), update(2, 'a', { position: 'chef' })]);
    expect(view).toHaveLength(1);
    expect(view[0]).toMatchObject({ id: 'a', name: 'Aki', position: 'chef', version: 3 });
    expect(base.get('a')?.name).toBe('Aiko');
  });

  it('shows a pending create with the defaults, and hides a pending delete', () => {
    const view = optimisticView(confirmed(member('a'), member('b')), [create(1, 'c', 'Chika'), remove(2, 'a')]);
    expect(view.map((m) => m.id).sort()).toEqual(['b', 'c']);
    expect(view.find((m) => m.id === 'c')).toMatchObject({ name: 'Chika', department: '調理', status: '社員', version: 0 });
  });

  it('does not let a create replace a confirmed member, and ignores updates of members it does not hold', () => {
    const view = optimisticView(confirmed(member('a', 2, { name: 'Confirmed' })), [
      create(1, 'a', 'Again'),
      update(2, 'zz', { name: 'x' }),
    ]);
    expect(view.map((m) => [m.id, m.name])).toEqual([['a', 'Confirmed']]);
  });

  it('drops a member an update deactivates, and sorts for display', () => {
    const view = optimisticView(confirmed(member('a', 1, { order: 2 }), member('b', 1, { order: 1 })), [
      update(1, 'a', { isActive: false } as never),
    ]);
    expect(view.map((m) => m.id)).toEqual(['b']);
    const sorted = optimisticView(confirmed(member('a', 1, { order: 2 }), member('b', 1, { order: 1 })), []);
    expect(sorted.map((m) => m.id)).toEqual(['b', 'a']);
  });
});

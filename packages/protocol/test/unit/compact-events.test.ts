import { describe, expect, it } from 'vitest';
import {
  applyCompactEvent,
  type ChangeEvent,
  expandBulkBroadcast,
  parseServerFrame,
  type ShiftChangeEvent,
  type StaffMember,
  toBulkBroadcast,
  toCompactEvent,
  toStaffPatch,
  toStaffPatches,
} from '../../src/index.ts';

const member: StaffMember = {
  id: '0b6f1a52-4d1e-4c6e-9a55-2f0c1d7e8a90',
  name: '青木 健',
  position: '料理長',
  department: '調理',
  status: '社員',
  type: 'regular',
  color: null,
  order: 1,
  startPeriod: null,
  endPeriod: null,
  isActive: true,
  version: 3,
  createdAt: '2026-12-01T09:00:00.000Z',
  updatedAt: '2026-12-01T09:05:00.000Z',
};

const event = (type: ChangeEvent['type'], after: StaffMember, changes: ChangeEvent['payload']['changes']): ChangeEvent => ({
  type,
  payload: { staffId: after.id, staff: after, changes, version: after.version },
  timestamp: after.updatedAt,
  clientId: 'c-1',
  sequenceNumber: 7,
  seq: 42,
});

describe('compact change events (staff-sync.v2)', () => {
  const updated: StaffMember = {
    ...member,
    status: 'パート',
    type: 'part-time',
    version: 4,
    updatedAt: '2026-12-01T10:00:00.000Z',
  };

  it('drop the member from updates and deletes, keeping changes, version, seq and the originator', () => {
    const compact = toCompactEvent(event('STAFF_UPDATE', updated, { status: 'パート' }));
    expect(compact).toEqual({
      type: 'STAFF_UPDATE',
      payload: { staffId: member.id, changes: { status: 'パート' }, version: 4 },
      timestamp: '2026-12-01T10:00:00.000Z',
      clientId: 'c-1',
      sequenceNumber: 7,
      seq: 42,
    });
    expect(JSON.stringify(compact).length).toBeLessThan(
      JSON.stringify(event('STAFF_UPDATE', updated, { status: 'パート' })).length / 2,
    );
  });

  it('keep the member on a create and on an update that brings a deleted member back', () => {
    const created = event('STAFF_CREATE', { ...member, version: 1 }, { name: member.name });
    expect(toCompactEvent(created)).toBe(created);
    const back = event('STAFF_UPDATE', { ...member, version: 5 }, { isActive: true });
    expect(toCompactEvent(back)).toBe(back);
  });

  it('apply to the copy at version - 1 exactly as the whole member would, derived fields included', () => {
    const full = event('STAFF_UPDATE', updated, { status: 'パート' });
    expect(applyCompactEvent(member, toCompactEvent(full))).toEqual(updated);
    const deleted: StaffMember = { ...member, isActive: false, version: 4, updatedAt: '2026-12-01T11:00:00.000Z' };
    expect(applyCompactEvent(member, toCompactEvent(event('STAFF_DELETE', deleted, { isActive: false })))).toEqual(deleted);
  });

  it('refuse a copy at another version or no copy: the caller resumes', () => {
    const compact = toCompactEvent(event('STAFF_UPDATE', updated, { status: 'パート' }));
    expect(applyCompactEvent({ ...member, version: 2 }, compact)).toBeUndefined();
    expect(applyCompactEvent(updated, compact)).toBeUndefined();
    expect(applyCompactEvent(undefined, compact)).toBeUndefined();
  });
});

describe('a bulk change as one message (staff-sync.v2)', () => {
  const cellEvent = (seq: number, staffId: string, dateKey: string, shiftValue: string | null): ShiftChangeEvent => ({
    type: 'SHIFT_BROADCAST',
    payload: { staffId, dateKey, shiftValue, version: 2, scheduleId: 's-1', periodIndex: 3 },
    timestamp: '2026-12-01T10:00:00.000Z',
    clientId: 'c-1',
    sequenceNumber: 9,
    seq,
  });
  const events = [
    cellEvent(41, 'a', '2026-12-01', '×'),
    cellEvent(42, 'a', '2026-12-02', null),
    cellEvent(43, 'b', '2026-12-01', '○'),
  ];

  it('names each member once and reads back as the very events, seqs included', () => {
    const bulk = toBulkBroadcast(events);
    expect(bulk).toMatchObject({ type: 'SHIFT_BULK_BROADCAST', seq: 43, payload: { firstSeq: 41, staff: ['a', 'b'] } });
    expect(bulk.payload.cells).toEqual([
      [0, '2026-12-01', '×', 2],
      [0, '2026-12-02', null, 2],
      [1, '2026-12-01', '○', 2],
    ]);
    expect(expandBulkBroadcast(bulk)).toEqual(events);
    expect(parseServerFrame(JSON.stringify([bulk])).messages).toEqual(events);
  });

  it('is refused when its seq does not close its cells, or a cell names no member', () => {
    const bulk = toBulkBroadcast(events);
    const badSeq = parseServerFrame(JSON.stringify({ ...bulk, seq: 44 }));
    expect(badSeq.messages).toEqual([]);
    expect(badSeq.invalid).toHaveLength(1);
    const badIndex = parseServerFrame(
      JSON.stringify({ ...bulk, payload: { ...bulk.payload, cells: [[5, '2026-12-01', '×', 1]], firstSeq: 43 } }),
    );
    expect(badIndex.invalid).toHaveLength(1);
  });
});

describe('staff updates and deletes as STAFF_PATCHES rows (staff-sync.v2)', () => {
  const updated: StaffMember = { ...member, order: 2, version: 4, updatedAt: '2026-12-01T10:00:00.000Z' };
  const update = { ...event('STAFF_UPDATE', updated, { order: 2 }), seq: 42 };
  const deleted: StaffMember = { ...updated, isActive: false, version: 5, updatedAt: '2026-12-01T10:00:01.250Z' };
  const remove = { ...event('STAFF_DELETE', deleted, { isActive: false }), seq: 43, sequenceNumber: 8 };

  it('reads back as the compact events, timestamps to the millisecond', () => {
    const message = toStaffPatches([update, remove].map((e) => toStaffPatch(e) as NonNullable<ReturnType<typeof toStaffPatch>>));
    expect(message).toEqual({
      type: 'STAFF_PATCHES',
      seq: 43,
      payload: {
        events: [
          [42, 'U', member.id, { order: 2 }, 4, 'c-1', 7, Date.parse('2026-12-01T10:00:00.000Z')],
          [43, 'D', member.id, { isActive: false }, 5, 'c-1', 8, Date.parse('2026-12-01T10:00:01.250Z')],
        ],
      },
    });
    expect(parseServerFrame(JSON.stringify(message)).messages).toEqual([toCompactEvent(update), toCompactEvent(remove)]);
    // Applied in turn, they give the member the server holds.
    const [u, d] = parseServerFrame(JSON.stringify(message)).messages as ChangeEvent[];
    expect(applyCompactEvent(applyCompactEvent(member, u as ChangeEvent), d as ChangeEvent)).toEqual(deleted);
  });

  it('are at most 200 bytes for one changed field, under 40% of the whole-member event', () => {
    const row = toStaffPatch({ ...update, clientId: crypto.randomUUID() });
    const text = JSON.stringify(toStaffPatches([row as NonNullable<typeof row>]));
    expect(text.length).toBeLessThanOrEqual(200);
    expect(text.length).toBeLessThan(JSON.stringify(update).length * 0.4);
  });

  it('are not made for a create, a reactivation or a cell', () => {
    expect(toStaffPatch(event('STAFF_CREATE', { ...member, version: 1 }, { name: member.name }))).toBeUndefined();
    expect(toStaffPatch(event('STAFF_UPDATE', { ...member, version: 5 }, { isActive: true }))).toBeUndefined();
    const cell: ShiftChangeEvent = {
      type: 'SHIFT_BROADCAST',
      payload: { staffId: 'a', dateKey: '2026-12-01', shiftValue: '×', version: 1, scheduleId: 's', periodIndex: 1 },
      timestamp: '2026-12-01T10:00:00.000Z',
      clientId: 'c-1',
      sequenceNumber: 1,
      seq: 9,
    };
    expect(toStaffPatch(cell)).toBeUndefined();
  });

  it('is refused whole when a row is malformed, out of order, or seq is not the last row’s', () => {
    const good = toStaffPatches([toStaffPatch(update) as NonNullable<ReturnType<typeof toStaffPatch>>]);
    const row = good.payload.events[0] as unknown[];
    const cases = [
      { ...good, seq: 41 },
      { ...good, payload: { events: [] } },
      { ...good, payload: { events: [[...row.slice(0, 1), 'X', ...row.slice(2)]] } },
      { ...good, payload: { events: [row.slice(0, 7)] } },
      { ...good, seq: 41, payload: { events: [row, [41, ...row.slice(1)]] } },
      { ...good, payload: { events: [[...row.slice(0, 7), '2026-12-01']] } },
    ];
    for (const bad of cases) {
      const frame = parseServerFrame(JSON.stringify(bad));
      expect(frame.messages).toEqual([]);
      expect(frame.invalid).toHaveLength(1);
    }
  });
});

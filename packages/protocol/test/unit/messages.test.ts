import { describe, expect, it } from 'vitest';
import { compareStaff, parseClientFrame, parseServerFrame, type StaffMember, staffTypeOf } from '../../src/index.ts';

const frame = (type: string, payload: unknown, extra: object = {}) =>
  JSON.stringify({ type, payload, timestamp: '2026-11-22T01:02:03.000Z', clientId: 'tab-1', sequenceNumber: 5, ...extra });
const ID = '6f1c1d0e-0a6b-4c8e-9d2a-2b8f3f4a5b6c';

describe('client message validation', () => {
  it('accepts each message type and normalizes it', () => {
    const create = parseClientFrame(frame('STAFF_CREATE', { name: '  山田  ', position: '料理長', type: 'part-time' }));
    expect(create).toEqual({
      ok: true,
      value: {
        type: 'STAFF_CREATE',
        payload: { name: '山田', position: '料理長' },
        timestamp: '2026-11-22T01:02:03.000Z',
        clientId: 'tab-1',
        sequenceNumber: 5,
      },
    });
    for (const [type, payload] of [
      ['SYNC_REQUEST', {}],
      ['SYNC_REQUEST', { period: 3, sinceSeq: 0 }],
      ['STAFF_UPDATE', { staffId: ID, changes: { status: 'パート' }, version: 3 }],
      ['STAFF_DELETE', { staffId: ID }],
      ['PING', {}],
      ['PRESENCE_SET', { staffId: null }],
    ] as const) {
      expect(parseClientFrame(frame(type, payload)).ok, type).toBe(true);
    }
  });

  it('names the code, the field and the message for each kind of bad input', () => {
    const cases: [string, string, string | undefined][] = [
      ['{', 'INVALID_JSON', undefined],
      ['[1]', 'INVALID_MESSAGE', undefined],
      [JSON.stringify({ type: 'PING', payload: {} }), 'INVALID_MESSAGE', 'clientId'],
      [frame('PING', {}, { sequenceNumber: 0 }), 'INVALID_MESSAGE', 'sequenceNumber'],
      [frame('PING', {}, { timestamp: 'yesterday' }), 'INVALID_MESSAGE', 'timestamp'],
      [frame('DROP_TABLE', {}), 'UNKNOWN_TYPE', undefined],
      [frame('toString', {}), 'UNKNOWN_TYPE', undefined],
      [frame('STAFF_CREATE', { name: 'a' }), 'VALIDATION_FAILED', 'payload.position'],
      [frame('STAFF_CREATE', { name: 'a'.repeat(101), position: 'b' }), 'VALIDATION_FAILED', 'payload.name'],
      [frame('STAFF_CREATE', { name: 'a', position: 'b', status: 'バイト' }), 'VALIDATION_FAILED', 'payload.status'],
      [frame('STAFF_CREATE', { name: 'a', position: 'b', order: -1 }), 'VALIDATION_FAILED', 'payload.order'],
      [
        frame('STAFF_CREATE', { name: 'a', position: 'b', startPeriod: { year: 2026, month: 13 } }),
        'VALIDATION_FAILED',
        'payload.startPeriod.month',
      ],
      [frame('STAFF_CREATE', { name: 'a', position: 'b', isAdmin: true }), 'VALIDATION_FAILED', 'payload.isAdmin'],
      [frame('STAFF_UPDATE', { staffId: ID, changes: { version: 2 } }), 'VALIDATION_FAILED', 'payload.changes.version'],
      [frame('STAFF_UPDATE', { staffId: ID, changes: { name: 'x' }, version: 0 }), 'VALIDATION_FAILED', 'payload.version'],
      [frame('SYNC_REQUEST', { sinceSeq: -1 }), 'VALIDATION_FAILED', 'payload.sinceSeq'],
    ];
    for (const [text, code, field] of cases) {
      const result = parseClientFrame(text);
      expect(result.ok, text).toBe(false);
      if (result.ok) continue;
      expect(result.error.code, text).toBe(code);
      if (field) expect(Object.keys(result.error.fields ?? {}), text).toContain(field);
      expect(result.error.message.length).toBeGreaterThan(10);
    }
  });

  it('echoes the sequenceNumber whenever the message had one', () => {
    const result = parseClientFrame(JSON.stringify({ type: 'NOPE', payload: {}, sequenceNumber: 42 }));
    expect(result).toMatchObject({ ok: false, error: { sequenceNumber: 42 } });
  });
});

describe('server frames', () => {
  it('reads single messages and arrays, keeps invalid ones apart and ignores unknown types', () => {
    const pong = { type: 'PONG', payload: {}, timestamp: 't', clientId: 'server', sequenceNumber: 1 };
    const parsed = parseServerFrame(JSON.stringify([pong, { type: 'FUTURE_THING' }, { type: 'ACK', payload: {} }]));
    expect(parsed.messages).toEqual([pong]);
    expect(parsed.unknownTypes).toEqual(['FUTURE_THING']);
    expect(parsed.invalid).toHaveLength(1);
    expect(parseServerFrame(JSON.stringify(pong)).messages).toEqual([pong]);
  });
});

describe('staff rules', () => {
  it('derives type from status and orders 社員, 派遣, パート, each by start period', () => {
    expect(staffTypeOf('社員')).toBe('regular');
    expect(staffTypeOf('派遣')).toBe('part-time');
    const m = (name: string, status: StaffMember['status'], start: number | null): StaffMember => ({
      id: name,
      name,
      position: 'p',
      department: '調理',
      status,
      type: staffTypeOf(status),
      color: null,
      order: 0,
      startPeriod: start === null ? null : { year: 2026, month: start },
      endPeriod: null,
      isActive: true,
      version: 1,
      createdAt: '',
      updatedAt: '',
    });
    const sorted = [m('e', 'パート', 1), m('d', '派遣', null), m('c', '社員', 5), m('b', '社員', 2), m('a', '社員', null)].sort(
      compareStaff,
    );
    expect(sorted.map((x) => x.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});

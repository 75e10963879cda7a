import { describe, expect, it } from 'vitest';
import { MAX_NESTING, MAX_VERSION, type ParseResult, parseClientFrame, type ValidateOptions } from '../../src/index.ts';

const ID = '6f1c1d0e-0a6b-4c8e-9d2a-2b8f3f4a5b6c';
const DAY = '2025-01-22';
const ENVELOPE = { timestamp: '2026-11-22T01:02:03.000Z', clientId: 'tab-1', sequenceNumber: 5 };
const frame = (type: string, payload: unknown, extra: object = {}) => JSON.stringify({ type, payload, ...ENVELOPE, ...extra });
const plain = (): ValidateOptions => ({ plain: { connectionId: 'conn-1', unsequenced: () => -1 } });

/** A valid message of every type, as a test mutates it. */
const valid = (): Record<string, Record<string, unknown>> => ({
  SYNC_REQUEST: { period: 0, sinceSeq: 0 },
  STAFF_CREATE: { name: '山田', position: '料理長', color: '#fff', startPeriod: { year: 2025, month: 1 } },
  STAFF_UPDATE: { staffId: ID, changes: { name: '山田', startPeriod: { year: 2025, month: 1, day: 3 } }, version: 3 },
  STAFF_DELETE: { staffId: ID, version: 3 },
  PING: {},
  PRESENCE_SET: { staffId: ID, userName: '山田' },
  SYNC_ALL_PERIODS_REQUEST: {},
  SHIFT_SYNC_REQUEST: { periodIndex: 0 },
  SHIFT_UPDATE: { staffId: ID, dateKey: DAY, shiftValue: '研修', version: 2 },
  SHIFT_BULK_UPDATE: { periodIndex: 0, scheduleData: { [ID]: { [DAY]: '×' } }, versions: { [ID]: { [DAY]: 1 } } },
});

function refusal(result: ParseResult<unknown>, label: string) {
  expect(result.ok, label).toBe(false);
  if (result.ok) throw new Error(label);
  return result.error;
}

/** Set `value` at a dotted path of `target` (keys holding dots are never used here). */
function setAt(target: Record<string, unknown>, path: string[], value: unknown): void {
  const last = path.at(-1) as string;
  let node = target;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[last] = value;
}

describe('what no message may hold', () => {
  it('every message of every type here is valid as it stands', () => {
    for (const [type, payload] of Object.entries(valid())) expect(parseClientFrame(frame(type, payload)).ok, type).toBe(true);
  });

  const texts: [string, string[]][] = [
    ['STAFF_CREATE', ['name']],
    ['STAFF_CREATE', ['position']],
    ['STAFF_CREATE', ['color']],
    ['STAFF_UPDATE', ['changes', 'name']],
    ['PRESENCE_SET', ['userName']],
    ['SHIFT_UPDATE', ['shiftValue']],
    ['SHIFT_UPDATE', ['staffId']],
    ['SHIFT_UPDATE', ['dateKey']],
    ['SHIFT_BULK_UPDATE', ['scheduleData', ID, DAY]],
    ['PING', ['timestamp']],
  ];

  it('refuses U+0000 and lone surrogates in every text of the payload, naming the field', () => {
    for (const [type, path] of texts) {
      for (const bad of ['a\u0000b', '\u0000', 'a\ud800', '\udc00b', '😀'.slice(0, 1)]) {
        const payload = valid()[type] as Record<string, unknown>;
        setAt(payload, path, bad);
        const error = refusal(parseClientFrame(frame(type, payload)), `${type} ${path.join('.')} ${JSON.stringify(bad)}`);
        expect(error.code).toBe('VALIDATION_FAILED');
        expect(error.fields).toHaveProperty([`payload.${path.join('.')}`]);
        expect(error.sequenceNumber).toBe(5);
      }
    }
  });

  it('keeps whole surrogate pairs (emoji) as they are', () => {
    const result = parseClientFrame(frame('STAFF_CREATE', { name: '山田 😀', position: '🍳' }));
    expect(result).toMatchObject({ ok: true, value: { payload: { name: '山田 😀', position: '🍳' } } });
  });

  it('refuses them in the envelope (clientId, type, extra fields) as INVALID_MESSAGE', () => {
    for (const extra of [{ clientId: 'tab\u0000' }, { clientId: 'tab\ud83d' }, { type: 'PING\u0000' }, { note: '\udfff' }]) {
      const text = JSON.stringify({ type: 'PING', payload: {}, ...ENVELOPE, ...extra });
      const error = refusal(parseClientFrame(text), text);
      expect(error.code).toBe('INVALID_MESSAGE');
      expect(Object.keys(error.fields ?? {})).toEqual([Object.keys(extra)[0]]);
    }
  });

  it('refuses them in keys, naming the object that holds the key', () => {
    const payload = valid().SHIFT_BULK_UPDATE as { scheduleData: Record<string, Record<string, string>> };
    payload.scheduleData[ID] = { [`${DAY}\u0000`]: '×' };
    const error = refusal(parseClientFrame(frame('SHIFT_BULK_UPDATE', payload)), 'key');
    expect(error).toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: { [`payload.scheduleData.${ID}`]: expect.stringContaining('U+0000') },
    });
  });

  it('takes versions up to 2^31 - 1 (a PostgreSQL integer) and refuses larger ones', () => {
    const versions: [string, string[]][] = [
      ['STAFF_UPDATE', ['version']],
      ['STAFF_DELETE', ['version']],
      ['SHIFT_UPDATE', ['version']],
      ['SHIFT_BULK_UPDATE', ['versions', ID, DAY]],
    ];
    for (const [type, path] of versions) {
      for (const [version, ok] of [
        [MAX_VERSION, true],
        [MAX_VERSION + 1, false],
        [2 ** 53, false],
        [1e300, false],
      ] as const) {
        const payload = valid()[type] as Record<string, unknown>;
        setAt(payload, path, version);
        const result = parseClientFrame(frame(type, payload));
        expect(result.ok, `${type} ${version}`).toBe(ok);
        if (!ok) expect(refusal(result, type).fields).toHaveProperty([`payload.${path.join('.')}`]);
      }
    }
  });

  it('refuses prototype keys by name at every level, parsed from JSON as a client sends them', () => {
    const places: [string, string[]][] = [
      ['STAFF_CREATE', []],
      ['STAFF_CREATE', ['startPeriod']],
      ['STAFF_UPDATE', ['changes']],
      ['STAFF_UPDATE', ['changes', 'startPeriod']],
      ['PING', []],
      ['PRESENCE_SET', []],
      ['SHIFT_BULK_UPDATE', ['scheduleData']],
      ['SHIFT_BULK_UPDATE', ['scheduleData', ID]],
      ['SHIFT_BULK_UPDATE', ['versions']],
      ['SHIFT_BULK_UPDATE', ['versions', ID]],
    ];
    for (const [type, path] of places) {
      for (const key of ['__proto__', 'constructor', 'prototype']) {
        const payload = valid()[type] as Record<string, unknown>;
        // A marker replaced in the JSON text: an object literal's __proto__ would set the prototype.
        setAt(payload, [...path, 'MARKER'], { isAdmin: true });
        const text = frame(type, payload).replace('"MARKER"', JSON.stringify(key));
        for (const options of [{}, plain()]) {
          const error = refusal(parseClientFrame(text, options), `${type} ${path.join('.')} ${key}`);
          expect(error.code).toBe('VALIDATION_FAILED');
          expect(error.fields).toEqual({ [['payload', ...path, key].join('.')]: `"${key}" is never accepted as a field name` });
        }
      }
    }
    const envelope = JSON.stringify({ type: 'PING', payload: {}, ...ENVELOPE, MARKER: 1 }).replace('"MARKER"', '"__proto__"');
    const error = refusal(parseClientFrame(envelope), 'envelope');
    expect(error.code).toBe('INVALID_MESSAGE');
    expect(Object.keys(error.fields ?? {})).toEqual(['__proto__']);
  });

  it('refuses an array where an object is expected, never reading it as {}', () => {
    const places: [string, string[], string][] = [
      ['STAFF_UPDATE', ['changes'], 'VALIDATION_FAILED'],
      ['STAFF_CREATE', ['startPeriod'], 'VALIDATION_FAILED'],
      ['STAFF_UPDATE', ['changes', 'endPeriod'], 'VALIDATION_FAILED'],
      ['SHIFT_BULK_UPDATE', ['scheduleData'], 'VALIDATION_FAILED'],
      ['SHIFT_BULK_UPDATE', ['scheduleData', ID], 'VALIDATION_FAILED'],
      ['SHIFT_BULK_UPDATE', ['versions'], 'VALIDATION_FAILED'],
      ['SHIFT_BULK_UPDATE', ['versions', ID], 'VALIDATION_FAILED'],
    ];
    for (const [type, path] of places) {
      for (const array of [[], [1], [{}]]) {
        const payload = valid()[type] as Record<string, unknown>;
        setAt(payload, path, array);
        const error = refusal(parseClientFrame(frame(type, payload)), `${type} ${path.join('.')}`);
        expect(error.code).toBe('VALIDATION_FAILED');
        expect(Object.keys(error.fields ?? {})[0]).toBe(['payload', ...path].join('.'));
      }
    }
    for (const type of Object.keys(valid())) {
      for (const options of [{}, plain()]) {
        const error = refusal(parseClientFrame(frame(type, []), options), `${type} payload []`);
        expect(error).toMatchObject({ code: 'INVALID_MESSAGE', fields: { payload: expect.stringContaining('not an array') } });
      }
    }
  });

  it(`refuses nesting deeper than ${MAX_NESTING} levels, even where fields are ignored`, () => {
    const nested = (levels: number) => JSON.parse(`${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`);
    expect(parseClientFrame(frame('PING', { extra: nested(MAX_NESTING - 3) })).ok).toBe(true);
    expect(refusal(parseClientFrame(frame('PING', { extra: nested(MAX_NESTING) })), 'deep').code).toBe('VALIDATION_FAILED');
    // Deeper than JSON.stringify could write back: built as text.
    const deepArray = frame('PING', {}, { extra: 'MARKER' }).replace('"MARKER"', `${'['.repeat(20_000)}${']'.repeat(20_000)}`);
    expect(refusal(parseClientFrame(deepArray), 'deep array').code).toBe('INVALID_MESSAGE');
  });

  it('names an unknown type without cutting a surrogate pair in half', () => {
    const error = refusal(parseClientFrame(frame(`${'x'.repeat(39)}😀`, {})), 'type');
    expect(error.code).toBe('UNKNOWN_TYPE');
    expect(error.message).toContain(`${'x'.repeat(39)}😀`);
  });
});

describe('the plain dialect turns no bad input into good', () => {
  it('refuses bad text in fields it would drop (createdAt, version) and in a clientId it would replace', () => {
    const create = JSON.stringify({ type: 'STAFF_CREATE', payload: { name: 'a', position: 'b', createdAt: 'x\u0000' } });
    expect(refusal(parseClientFrame(create, plain()), 'createdAt')).toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: { 'payload.createdAt': expect.any(String) },
    });
    expect('sequenceNumber' in refusal(parseClientFrame(create, plain()), 'unsequenced')).toBe(false);
    for (const clientId of ['', 'x'.repeat(129), 7, 'tab\ud800']) {
      const ping = JSON.stringify({ type: 'PING', clientId });
      expect(refusal(parseClientFrame(ping, plain()), String(clientId)).code).toBe('INVALID_MESSAGE');
    }
  });

  it('stands an unsequenced message for the connection, a sequenced one for its own clientId', () => {
    expect(parseClientFrame(JSON.stringify({ type: 'PING', clientId: 'tab-9' }), plain())).toMatchObject({
      ok: true,
      value: { clientId: 'conn-1', sequenceNumber: -1 },
    });
    expect(parseClientFrame(JSON.stringify({ type: 'PING', clientId: 'tab-9', sequenceNumber: 4 }), plain())).toMatchObject({
      ok: true,
      value: { clientId: 'tab-9', sequenceNumber: 4 },
    });
  });

  it('reads staffOrder as order only when they agree', () => {
    const create = (fields: object) => frame('STAFF_CREATE', { name: 'a', position: 'b', ...fields });
    expect(parseClientFrame(create({ staffOrder: 4 }), plain())).toMatchObject({ ok: true, value: { payload: { order: 4 } } });
    expect(parseClientFrame(create({ staffOrder: 4, order: 4 }), plain())).toMatchObject({
      ok: true,
      value: { payload: { order: 4 } },
    });
    for (const fields of [
      { staffOrder: 'abc', order: 4 },
      { staffOrder: 5, order: 4 },
      { staffOrder: 4, staff_order: 5 },
    ]) {
      const error = refusal(parseClientFrame(create(fields), plain()), JSON.stringify(fields));
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(Object.keys(error.fields ?? {})[0]).toMatch(/^payload\.(staffOrder|staff_order)$/);
    }
  });
});

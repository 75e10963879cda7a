/**
 * Valid payloads of every client message type, and the ways to break each one that the edge must
 * refuse (docs/protocol.md, "What is refused"). Each mutation says the answer it must get, from
 * the documented rules, never from the validator itself. Shared by the WebSocket and HTTP corpora.
 */

export type Rng = () => number;

/** mulberry32: small, seeded, the same corpus on every machine for one seed. */
export function seededRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
export const between = (rng: Rng, min: number, max: number) => min + Math.floor(rng() * (max - min + 1));

/**
 * JSON text that JSON.stringify cannot write (1e400, a prototype key, nesting deeper than its
 * stack): the value stands in as a marker string and the text replaces it after serializing.
 */
export class Raw {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

export function serialize(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v) => {
    if (!(v instanceof Raw)) return v;
    raws.push(v.text);
    return `@@RAW${raws.length - 1}@@`;
  });
  return text.replace(/"@@RAW(\d+)@@"/g, (_m, i: string) => raws[Number(i)] as string);
}

/** A key written as raw text: `__proto__` as an object literal's key would set the prototype. */
export const rawKey = (key: string) => `@@KEY:${key}@@`;
export const withRawKeys = (text: string) => text.replace(/"@@KEY:([^@]*)@@"/g, (_m, key: string) => JSON.stringify(key));

export interface Context {
  /** A member that exists, so that a message the edge wrongly let through would write. */
  staffId: string;
  /** A date in period 0. */
  dateKey: string;
}

type Kind = 'text' | 'color' | 'uuid' | 'int' | 'version' | 'cellVersion' | 'enum' | 'bool' | 'ymd' | 'date' | 'cell' | 'string';

export interface Template {
  type: string;
  payload: Record<string, unknown>;
  fields: [path: string[], kind: Kind][];
  /** Paths of the payload's objects ([] is the payload itself). */
  objects: string[][];
}

export function templates({ staffId, dateKey }: Context): Template[] {
  const f = (path: string, kind: Kind): [string[], Kind] => [path.split('.'), kind];
  return [
    {
      type: 'SYNC_REQUEST',
      payload: { period: 0, sinceSeq: 0 },
      fields: [f('period', 'int'), f('sinceSeq', 'int')],
      objects: [[]],
    },
    {
      type: 'STAFF_CREATE',
      payload: {
        name: '山田 太郎',
        position: '料理長',
        department: '調理',
        status: '社員',
        color: '#ff8800',
        order: 3,
        startPeriod: { year: 2025, month: 1, day: 21 },
        endPeriod: { year: 2026, month: 12 },
        isActive: true,
      },
      fields: [
        f('name', 'text'),
        f('position', 'text'),
        f('department', 'enum'),
        f('status', 'enum'),
        f('color', 'color'),
        f('order', 'int'),
        f('startPeriod', 'ymd'),
        f('startPeriod.year', 'int'),
        f('startPeriod.month', 'int'),
        f('startPeriod.day', 'int'),
        f('endPeriod', 'ymd'),
        f('endPeriod.month', 'int'),
        f('isActive', 'bool'),
      ],
      objects: [[], ['startPeriod'], ['endPeriod']],
    },
    {
      type: 'STAFF_UPDATE',
      payload: {
        staffId,
        changes: { name: '山田', position: '副料理長', order: 2, isActive: true, startPeriod: { year: 2025, month: 2 } },
        version: 1,
      },
      fields: [
        f('staffId', 'uuid'),
        f('changes.name', 'text'),
        f('changes.position', 'text'),
        f('changes.order', 'int'),
        f('changes.isActive', 'bool'),
        f('changes.startPeriod', 'ymd'),
        f('changes.startPeriod.year', 'int'),
        f('version', 'version'),
      ],
      objects: [[], ['changes'], ['changes', 'startPeriod']],
    },
    {
      type: 'STAFF_DELETE',
      payload: { staffId, version: 1 },
      fields: [f('staffId', 'uuid'), f('version', 'version')],
      objects: [[]],
    },
    { type: 'PING', payload: { timestamp: '2025-01-22T00:00:00.000Z' }, fields: [f('timestamp', 'string')], objects: [[]] },
    {
      type: 'PRESENCE_SET',
      payload: { staffId, userName: '山田' },
      fields: [f('staffId', 'uuid'), f('userName', 'text')],
      objects: [[]],
    },
    { type: 'SYNC_ALL_PERIODS_REQUEST', payload: {}, fields: [], objects: [[]] },
    {
      type: 'SHIFT_SYNC_REQUEST',
      payload: { periodIndex: 0, sinceSeq: 0 },
      fields: [f('periodIndex', 'int'), f('sinceSeq', 'int')],
      objects: [[]],
    },
    {
      type: 'SHIFT_UPDATE',
      payload: { staffId, dateKey, shiftValue: '×', version: 0, periodIndex: 0 },
      fields: [
        f('staffId', 'uuid'),
        f('dateKey', 'date'),
        f('shiftValue', 'cell'),
        f('version', 'cellVersion'),
        f('periodIndex', 'int'),
      ],
      objects: [[]],
    },
    {
      type: 'SHIFT_BULK_UPDATE',
      payload: { periodIndex: 0, scheduleData: { [staffId]: { [dateKey]: '○' } }, versions: { [staffId]: { [dateKey]: 0 } } },
      fields: [
        [['periodIndex'], 'int'],
        [['scheduleData', staffId, dateKey], 'cell'],
        [['versions', staffId, dateKey], 'cellVersion'],
      ],
      objects: [[], ['scheduleData'], ['scheduleData', staffId], ['versions'], ['versions', staffId]],
    },
  ];
}

const BAD_INTS = ['1', 'NaN', 'Infinity', '-Infinity', 1.5, -1, true, null, new Raw('1e400'), new Raw('-1e400'), new Raw('1e20')];
const BAD_VERSIONS = [...BAD_INTS, 2 ** 31, 2 ** 32, 2 ** 53, new Raw('9007199254740993')];

/** Values no field of the kind accepts (null only where the field is not nullable). */
const BAD: Record<Kind, unknown[]> = {
  text: [12345, true, '', '   ', 'x'.repeat(5000), null],
  color: [5, true, 'x'.repeat(33)],
  uuid: ['not-a-uuid', '', 5, true, 'g'.repeat(36), '6f1c1d0e-0a6b-4c8e-9d2a-2b8f3f4a5b6'],
  int: BAD_INTS,
  version: [...BAD_VERSIONS, 0],
  cellVersion: BAD_VERSIONS,
  enum: ['x', 5, null, '', '社員 '],
  bool: ['true', 1, 0, null],
  ymd: [
    5,
    '2025-01',
    { year: 2025, month: 13 },
    { year: 2025, month: 2, day: 30 },
    { year: '2025', month: 1 },
    { year: 1899, month: 1 },
    { month: 1 },
  ],
  date: ['2025-02-30', '2025-1-22', '22-01-2025', 20250122, '', '2025-01-22T00:00:00Z', null],
  cell: [5, true, 'x'.repeat(41)],
  string: [5, true, null],
};
/** Values no field at all accepts. */
const BAD_ANYWHERE = [[], [1, 2], {}, { a: 1 }, 'a\u0000b', '\u0000', '\ud800', 'x\udc00y', '😀'.slice(0, 1)];

export const BAD_TEXT = ['\u0000', '\ud800', '\udfff', '\ud83d'];
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];
const UNKNOWN_FIELDS = [
  'isAdmin',
  'role',
  'restaurant_id',
  'restaurantId',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'seq',
  'deleted_at',
];

export const clone = <T>(value: T): T => structuredClone(value);

function nodeAt(root: Record<string, unknown>, path: string[]): Record<string, unknown> {
  let node = root;
  for (const key of path) node = node[key] as Record<string, unknown>;
  return node;
}
function setAt(root: Record<string, unknown>, path: string[], value: unknown): void {
  nodeAt(root, path.slice(0, -1))[path.at(-1) as string] = value;
}

/** Nesting `levels` deep, as raw text (deeper than JSON.stringify could write). */
export function deep(rng: Rng, levels: number): Raw {
  return rng() < 0.5
    ? new Raw(`${'['.repeat(levels)}${']'.repeat(levels)}`)
    : new Raw(`${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`);
}

/** A payload broken in one way: where (payload root or inside) and a label for failures. */
export interface BrokenPayload {
  payload: unknown;
  /** VALIDATION_FAILED unless the payload itself is no object (INVALID_MESSAGE). */
  code: 'VALIDATION_FAILED' | 'INVALID_MESSAGE' | 'NOT_FOUND';
  label: string;
  /** Prototype keys to write raw. */
  rawKeys?: boolean;
}

/**
 * One way to break `template`'s payload, chosen by `rng`. `plain`: the plain dialect's rules (a
 * staffId that is no UUID names no member: NOT_FOUND).
 */
export function breakPayload(rng: Rng, template: Template, plain: boolean): BrokenPayload {
  const payload = clone(template.payload);
  const label = (what: string) => `${template.type} ${what}`;
  const ops = ['field', 'field', 'field', 'text', 'key', 'prototype', 'unknown', 'array', 'deep', 'size'] as const;
  let op = pick(rng, ops);
  // A ping's payload takes any other field and a timestamp of any length: only its text rules apply.
  if (template.type === 'PING' && (op === 'size' || op === 'key')) op = 'unknown';
  if ((op === 'field' || op === 'text') && template.fields.length > 0) {
    const [path, kind] = pick(rng, template.fields);
    if (op === 'text') {
      const current = nodeAt(payload, path.slice(0, -1))[path.at(-1) as string];
      const text = typeof current === 'string' ? current : String(current);
      const at = between(rng, 0, text.length);
      const bad = `${text.slice(0, at)}${pick(rng, BAD_TEXT)}${text.slice(at)}`;
      setAt(payload, path, bad);
      return { payload, code: 'VALIDATION_FAILED', label: label(`${path.join('.')} = ${JSON.stringify(bad)}`) };
    }
    const value = rng() < 0.75 ? pick(rng, BAD[kind]) : pick(rng, BAD_ANYWHERE);
    setAt(payload, path, value);
    // The plain dialect's clients name members by ids that are no UUIDs: no such member.
    const namesNoMember =
      plain && path.join('.') === 'staffId' && typeof value === 'string' && /^[\x20-\x7e]{1,200}$/.test(value);
    return {
      payload,
      code: namesNoMember ? 'NOT_FOUND' : 'VALIDATION_FAILED',
      label: label(`${path.join('.')} = ${show(value)}`),
    };
  }
  const objectPath = pick(rng, template.objects);
  const object = nodeAt(payload, objectPath);
  const where = ['payload', ...objectPath].join('.');
  switch (op) {
    case 'prototype': {
      const key = pick(rng, PROTOTYPE_KEYS);
      object[rawKey(key)] = pick(rng, [1, {}, { isAdmin: true }, 'x', null, []]);
      return { payload, code: 'VALIDATION_FAILED', label: label(`${where}.${key}`), rawKeys: true };
    }
    case 'key': {
      const keys = Object.keys(object);
      if (keys.length === 0) return breakPayload(rng, template, plain);
      const key = pick(rng, keys);
      const bad = `${key}${pick(rng, BAD_TEXT)}`;
      object[bad] = object[key];
      delete object[key];
      return { payload, code: 'VALIDATION_FAILED', label: label(`${where} key ${JSON.stringify(bad)}`) };
    }
    case 'array': {
      const array = pick(rng, [[], [{}], [1, 2], Object.values(object)]);
      if (objectPath.length === 0) return { payload: array, code: 'INVALID_MESSAGE', label: label(`payload = ${show(array)}`) };
      setAt(payload, objectPath, array);
      return { payload, code: 'VALIDATION_FAILED', label: label(`${where} = ${show(array)}`) };
    }
    case 'deep': {
      const levels = between(rng, 9, 3000);
      object[pick(rng, ['note', 'a', 'name'])] = deep(rng, levels);
      return { payload, code: 'VALIDATION_FAILED', label: label(`${where} nested ${levels} deep`) };
    }
    case 'size': {
      if (rng() < 0.5) {
        const [path] = template.fields.length > 0 ? pick(rng, template.fields) : [['note']];
        setAt(payload, path, 'x'.repeat(between(rng, 20_000, 40_000)));
        return { payload, code: 'VALIDATION_FAILED', label: label(`${path.join('.')} oversized`) };
      }
      for (let i = 0; i < 2000; i++) object[`k${i}`] = 1;
      return { payload, code: 'VALIDATION_FAILED', label: label(`${where} with 2000 unknown keys`) };
    }
    default: {
      // An unknown field; the ping payload takes any (it is loose), so it gets one with bad text.
      if (template.type === 'PING' && objectPath.length === 0) {
        object.note = `ok${pick(rng, BAD_TEXT)}`;
        return { payload, code: 'VALIDATION_FAILED', label: label('payload.note with bad text') };
      }
      const key = pick(rng, UNKNOWN_FIELDS);
      object[key] = pick(rng, [true, 1, 'x']);
      return { payload, code: 'VALIDATION_FAILED', label: label(`${where}.${key} (unknown)`) };
    }
  }
}

export function show(value: unknown): string {
  if (value instanceof Raw) return `raw ${value.text.slice(0, 30)}`;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}… (${text.length})` : text;
}

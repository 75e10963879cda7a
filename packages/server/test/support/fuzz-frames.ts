import {
  BAD_TEXT,
  between,
  breakPayload,
  type Context,
  clone,
  deep,
  PROTOTYPE_KEYS,
  pick,
  Raw,
  type Rng,
  rawKey,
  serialize,
  show,
  type Template,
  templates,
  withRawKeys,
} from './fuzz-payloads.ts';

/** One malformed WebSocket frame and the answer docs/protocol.md promises for it. */
export interface FrameCase {
  label: string;
  text: string;
  code: string;
  /** The sequenceNumber the ERROR must name: the frame's own, when it carries one. */
  named?: number;
}

export type Dialect = 'v1' | 'plain';

const BAD_ENVELOPE: Record<string, unknown[]> = {
  type: [5, null, [], {}, true, ''],
  payload: [null, 5, 'x', true],
  timestamp: ['yesterday', 5, '2025-13-01T00:00:00Z', '', []],
  clientId: [5, '', [], {}, 'x'.repeat(129), true],
  sequenceNumber: ['5', 0, -3, 1.5, true, [], {}, new Raw('1e400'), 2 ** 53],
};
const UNKNOWN_TYPES = [
  'DROP_TABLE',
  'staff_create',
  'STAFF_CREATE ',
  ' PING',
  'STAFF_CREATE\n',
  'toString',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'SYNC_RESPONSE',
  'ACK',
  'ERROR',
  'HELLO',
  'CONNECTION_ACK',
];
const NOT_JSON = ['{', '', 'undefined', 'NaN', 'Infinity', '{"type":"PING",}', "{'type':'PING'}", '\u0000', '{"a":1}}'];
const NOT_OBJECT = ['[]', '5', '"PING"', 'null', 'true', '[{},{}]', '-0', '1e400'];
/** Fields a plain client may send that are dropped; bad text in them is still refused. */
const IGNORED = ['createdAt', 'updatedAt', 'version', 'period', 'type'];

const OPS = [
  ...Array<'payload'>(10).fill('payload'),
  'envelope',
  'envelope',
  'envelopeText',
  'envelopePrototype',
  'envelopeDeep',
  'unknownType',
  'notJson',
  'notObject',
  'ignored',
] as const;

function breakFrame(rng: Rng, dialect: Dialect, template: Template, message: Record<string, unknown>): FrameCase {
  const plain = dialect === 'plain';
  const done = (code: string, label: string, raw = false): FrameCase => {
    const text = raw ? withRawKeys(serialize(message)) : serialize(message);
    const seq = message.sequenceNumber;
    const named = typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 1 ? seq : undefined;
    return { label: `${dialect} ${label}`, text, code, ...(named === undefined ? {} : { named }) };
  };
  const op = pick(rng, OPS);
  switch (op) {
    case 'payload': {
      const broken = breakPayload(rng, template, plain);
      message.payload = broken.payload;
      return done(broken.code, broken.label, broken.rawKeys);
    }
    case 'envelope': {
      const field = pick(rng, Object.keys(BAD_ENVELOPE));
      const removable =
        !plain ||
        field === 'type' ||
        (field === 'payload' && !['SYNC_REQUEST', 'SYNC_ALL_PERIODS_REQUEST', 'PING'].includes(template.type));
      if (removable && rng() < 0.3) {
        delete message[field];
        return done('INVALID_MESSAGE', `${template.type} without ${field}`);
      }
      const value = pick(rng, BAD_ENVELOPE[field] as unknown[]);
      message[field] = value;
      return done('INVALID_MESSAGE', `${template.type} ${field} = ${show(value)}`);
    }
    case 'envelopeText': {
      const field = pick(
        rng,
        ['type', 'timestamp', 'clientId', 'note'].filter((f) => f === 'note' || typeof message[f] === 'string'),
      );
      const text = typeof message[field] === 'string' ? (message[field] as string) : 'note';
      const at = between(rng, 0, text.length);
      message[field] = `${text.slice(0, at)}${pick(rng, BAD_TEXT)}${text.slice(at)}`;
      return done('INVALID_MESSAGE', `${template.type} ${field} = ${show(message[field])}`);
    }
    case 'envelopePrototype': {
      const key = pick(rng, PROTOTYPE_KEYS);
      message[rawKey(key)] = pick(rng, [1, {}, { isAdmin: true }, null]);
      return done('INVALID_MESSAGE', `${template.type} envelope ${key}`, true);
    }
    case 'envelopeDeep': {
      const levels = between(rng, 9, 3000);
      message.note = deep(rng, levels);
      return done('INVALID_MESSAGE', `${template.type} envelope nested ${levels} deep`);
    }
    case 'unknownType': {
      message.type = rng() < 0.9 ? pick(rng, UNKNOWN_TYPES) : 'T'.repeat(between(rng, 100, 30_000));
      return done('UNKNOWN_TYPE', `type ${show(message.type)}`);
    }
    case 'notJson': {
      const valid = serialize(message);
      const text = pick(rng, [
        ...NOT_JSON,
        valid.slice(0, between(rng, 1, valid.length - 1)),
        `${valid} x`,
        `\ufeff${valid}`,
        `${valid.slice(0, -1)},"sequenceNumber":NaN}`,
      ]);
      return { label: `${dialect} not JSON ${show(text)}`, text, code: 'INVALID_JSON' };
    }
    case 'notObject': {
      const text = rng() < 0.8 ? pick(rng, NOT_OBJECT) : `[${serialize(message)}]`;
      return { label: `${dialect} not an object ${show(text)}`, text, code: 'INVALID_MESSAGE' };
    }
    case 'ignored': {
      if (template.type !== 'STAFF_CREATE' && template.type !== 'STAFF_UPDATE')
        return breakFrame(rng, dialect, template, message);
      const payload = clone(template.payload) as Record<string, Record<string, unknown>>;
      const fields = (template.type === 'STAFF_CREATE' ? payload : payload.changes) as Record<string, unknown>;
      if (rng() < 0.5) {
        const field = pick(rng, IGNORED);
        fields[field] = `x${pick(rng, BAD_TEXT)}`;
        message.payload = payload;
        return done('VALIDATION_FAILED', `${template.type} ignored ${field} with bad text`);
      }
      // Two orders that disagree (in v1 the alias is an unknown field either way).
      fields.order = 3;
      fields[pick(rng, ['staffOrder', 'staff_order'])] = pick(rng, [4, 'abc', null, '3']);
      message.payload = payload;
      return done('VALIDATION_FAILED', `${template.type} order and an alias that disagree`);
    }
  }
}

/**
 * `count` malformed frames for `dialect`, each a valid message broken in one way. v1 frames all
 * carry the whole envelope; half the plain ones leave out what the plain dialect fills in.
 */
export function frameCorpus(rng: Rng, dialect: Dialect, context: Context, count: number, firstSequence: number): FrameCase[] {
  const all = templates(context);
  const cases: FrameCase[] = [];
  for (let i = 0; i < count; i++) {
    const template = pick(rng, all);
    const message: Record<string, unknown> = { type: template.type, payload: clone(template.payload) };
    if (dialect === 'v1' || rng() < 0.5) {
      Object.assign(message, {
        timestamp: '2025-01-22T09:00:00.000Z',
        clientId: `fuzz-${dialect}`,
        sequenceNumber: firstSequence + i,
      });
    }
    const broken = breakFrame(rng, dialect, template, message);
    if (Buffer.byteLength(broken.text) >= 65_000) throw new Error(`corpus frame over the size limit: ${broken.label}`);
    cases.push(broken);
  }
  return cases;
}

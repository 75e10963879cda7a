import {
  breakPayload,
  type Context,
  pick,
  type Rng,
  serialize,
  show,
  type Template,
  templates,
  withRawKeys,
} from './fuzz-payloads.ts';

/** One malformed HTTP API request and the status and code docs/http-api.md promises for it. */
export interface HttpCase {
  label: string;
  method: string;
  /** Below /api/v1. */
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
  status: number;
  code: string;
}

const JSON_TYPE = { 'Content-Type': 'application/json' };
const BAD_PATH_IDS = [
  'not-a-uuid',
  '%00',
  '%ED%A0%80',
  '%F0%9F%98',
  '%C0%AF',
  'x'.repeat(300),
  '6f1c1d0e-0a6b-4c8e-9d2a-2b8f3f4a5b6c%00',
];
const BAD_QUERY_INTS = ['x', '-1', '1.5', '1e3', '%00', '99999999999999999', '9007199254740993', '0x10'];
const BAD_KEYS = ['x', 'x:0', ':1', 'x:1.5', 'x:-1', 'x:99999999999999999', `${'c'.repeat(129)}:1`];
/** Bodies that are no UTF-8: a stray byte, an overlong slash, an encoded surrogate, a cut sequence. */
const NOT_UTF8 = [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe3, 0x81], [0xf8, 0x88, 0x80, 0x80, 0x80]];

/** The STAFF_UPDATE payload without staffId, which a PATCH takes from its path. */
function patchTemplate(update: Template): Template {
  const { staffId: _fromPath, ...payload } = update.payload;
  return { ...update, payload, fields: update.fields.filter(([path]) => path[0] !== 'staffId') };
}

/** `count` malformed requests to the HTTP API: broken bodies, paths, queries, headers and methods. */
export function httpCorpus(rng: Rng, context: Context, count: number, firstSequence: number): HttpCase[] {
  const all = templates(context);
  const byType = (type: string) => all.find((t) => t.type === type) as Template;
  const routes: [method: string, path: string, template: Template][] = [
    ['POST', '/staff', byType('STAFF_CREATE')],
    ['PATCH', `/staff/${context.staffId}`, patchTemplate(byType('STAFF_UPDATE'))],
    ['PUT', '/presence', byType('PRESENCE_SET')],
  ];
  const cases: HttpCase[] = [];
  for (let i = 0; i < count; i++) {
    const key = { 'Idempotency-Key': `fuzz-http:${firstSequence + i}` };
    const headers = { ...JSON_TYPE, ...key };
    const op = pick(rng, ['body', 'body', 'body', 'body', 'path', 'query', 'transport'] as const);
    const [method, path, template] = pick(rng, routes);
    if (op === 'body') {
      const broken = breakPayload(rng, template, false);
      const text = serialize(broken.payload);
      const body = broken.rawKeys ? withRawKeys(text) : text;
      cases.push({ label: `${method} ${path} ${broken.label}`, method, path, headers, body, status: 400, code: broken.code });
    } else if (op === 'path') {
      const id = pick(rng, BAD_PATH_IDS);
      const [verb, body] = rng() < 0.5 ? ['PATCH', serialize({ changes: { name: 'x' } })] : ['DELETE', undefined];
      const request = { label: `${verb} /staff/${show(id)}`, method: verb, path: `/staff/${id}`, headers, status: 400 };
      cases.push({ ...request, ...(body === undefined ? {} : { body }), code: 'VALIDATION_FAILED' });
    } else if (op === 'query') {
      const value = pick(rng, BAD_QUERY_INTS);
      const [verb, target] = pick(rng, [
        ['DELETE', `/staff/${context.staffId}?version=`],
        ['DELETE', `/staff/${context.staffId}?version=2147483648&x=`],
        ['GET', '/staff?period='],
        ['GET', '/staff?sinceSeq='],
      ] as const);
      cases.push({
        label: `${verb} ${target}${value}`,
        method: verb,
        path: `${target}${value}`,
        headers,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    } else {
      cases.push(transportCase(rng, method, path, headers, key));
    }
  }
  return cases;
}

/** Refused before the body is read as a message: the body's bytes, its type and size, the key, the method. */
function transportCase(
  rng: Rng,
  method: string,
  path: string,
  headers: Record<string, string>,
  key: Record<string, string>,
): HttpCase {
  const at = (label: string, status: number, code: string, extra: Partial<HttpCase>): HttpCase => ({
    label: `${method} ${path} ${label}`,
    method,
    path,
    headers,
    status,
    code,
    ...extra,
  });
  const valid = serialize({ name: '山田', position: '料理長' });
  switch (pick(rng, ['json', 'utf8', 'type', 'key', 'size', 'method', 'object'] as const)) {
    case 'json':
      return at('body not JSON', 400, 'INVALID_JSON', {
        body: pick(rng, ['{', '', '{"name":"x",}', valid.slice(0, -1), `\ufeff${valid}`]),
      });
    case 'utf8': {
      const bytes = Uint8Array.from([...Buffer.from('{"name":"a'), ...pick(rng, NOT_UTF8), ...Buffer.from('","position":"b"}')]);
      return at('body not UTF-8', 400, 'INVALID_JSON', { body: bytes });
    }
    case 'type':
      return at('body not declared JSON', 415, 'INVALID_MESSAGE', {
        headers: { ...key, 'Content-Type': 'text/plain' },
        body: valid,
      });
    case 'key': {
      const bad: Record<string, string> = rng() < 0.2 ? {} : { 'Idempotency-Key': pick(rng, BAD_KEYS) };
      return at(`Idempotency-Key ${show(bad)}`, 400, 'INVALID_MESSAGE', { headers: { ...JSON_TYPE, ...bad }, body: valid });
    }
    case 'size':
      return at('body over MAX_MESSAGE_BYTES', 413, 'INVALID_MESSAGE', { body: serialize({ name: 'x'.repeat(70_000) }) });
    case 'method':
      return { ...at('wrong method', 405, 'INVALID_MESSAGE', {}), method: 'PUT', path: '/staff', body: valid };
    case 'object':
      return at('body no object', 400, 'INVALID_MESSAGE', { body: pick(rng, ['[]', '[{}]', '5', 'null', '"x"', 'true']) });
  }
}

/**
 * What no client message may hold, wherever it sits: checked on the parsed JSON before any schema
 * sees it (docs/protocol.md, "What is refused"). The schemas check what each field means; these
 * rules are about what JavaScript and the database do with any value, so they hold for every
 * string, every key and every nesting level, ignored fields included.
 */

/**
 * Largest version (a member's or a cell's): versions are PostgreSQL `integer` columns. A version
 * is one the server handed out, so a client never needs a larger one.
 */
export const MAX_VERSION = 2_147_483_647;

/**
 * Keys that name JavaScript's object machinery. JSON.parse keeps them as plain keys, but an object
 * spread or a schema's copy may drop them or treat them as the prototype: refused by name instead.
 */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Levels of objects and arrays a message may have (the protocol's deepest, `payload.versions.<id>.<date>`, has 4). */
export const MAX_NESTING = 8;

/** A place in a message (`payload.changes.name`) and what is wrong there. */
export interface InputProblem {
  path: string;
  message: string;
}

/**
 * Why `text` cannot be stored as it is, or undefined. PostgreSQL `text` and `jsonb` hold no U+0000,
 * and a lone UTF-16 surrogate has no UTF-8 form: a driver would store U+FFFD in its place.
 */
export function textProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain U+0000 (NUL)';
  if (LONE_SURROGATE.test(text)) return 'must not contain a lone surrogate (half of a UTF-16 pair)';
  return undefined;
}

/** In `u` mode a surrogate pair reads as one code point, so only a lone half is `Cs`. */
const LONE_SURROGATE = /\p{Cs}/u;

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

function keyProblem(key: string, path: string): InputProblem | undefined {
  if (PROTOTYPE_KEYS.has(key)) {
    return { path: join(path, key), message: `"${key}" is never accepted as a field name` };
  }
  const problem = textProblem(key);
  // The key itself cannot be echoed safely, so the object holding it is named.
  return problem ? { path: path || '(message)', message: `a field name ${problem}` } : undefined;
}

/** The first problem in `value` (found at `path`, `depth` levels down), or undefined. */
function walk(value: unknown, path: string, depth: number): InputProblem | undefined {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem ? { path, message: problem } : undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (depth > MAX_NESTING) return { path, message: `nested more than ${MAX_NESTING} levels deep` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = walk(value[i], join(path, String(i)), depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const problem = keyProblem(key, path) ?? walk(record[key], join(path, key), depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * The first problem of a parsed message, apart for the envelope (every field but `payload`) and
 * the payload, since each is answered with its own code.
 */
export function messageInputProblems(message: Record<string, unknown>): { envelope?: InputProblem; payload?: InputProblem } {
  const found: { envelope?: InputProblem; payload?: InputProblem } = {};
  for (const key of Object.keys(message)) {
    if (key === 'payload') {
      found.payload = walk(message.payload, 'payload', 2);
      continue;
    }
    found.envelope ??= keyProblem(key, '') ?? walk(message[key], key, 2);
  }
  return found;
}

import * as v from 'valibot';
import type { ConflictInput, DecisionInput } from './types.ts';

/**
 * Validation of what the Suggester is given. The server builds these from validated messages, but
 * they also come back from the database and from traces, so they are checked here too: a bad one
 * is refused with every problem named, and nothing is recorded or learned.
 */
export class AssistInputError extends Error {
  readonly issues: Record<string, string>;

  constructor(message: string, issues: Record<string, string>) {
    super(message);
    this.name = 'AssistInputError';
    this.issues = issues;
  }
}

const text = (what: string, max: number) =>
  v.pipe(
    v.string(`${what} must be a string`),
    v.minLength(1, `${what} must not be empty`),
    v.maxLength(max, `${what} must be at most ${max} characters`),
  );

// v.nullable's second argument is a default for null, not a message: a null must stay null.
const nullableText = (what: string, max: number) => v.union([v.null(), text(what, max)], `${what} must be a string or null`);

/** One value of a field: JSON, at most 4 KiB once serialized. */
const fieldValue = v.pipe(
  v.unknown(),
  v.check(
    (value) => value === undefined || (JSON.stringify(value)?.length ?? 0) <= 4096,
    'a field value must be JSON of at most 4 KiB',
  ),
);

const editSchema = (side: string) =>
  v.object(
    {
      userId: nullableText(`${side}.userId`, 200),
      userName: nullableText(`${side}.userName`, 100),
      role: nullableText(`${side}.role`, 40),
      clientId: text(`${side}.clientId`, 200),
      at: v.pipe(
        v.string(`${side}.at must be an ISO-8601 time`),
        v.check((at) => Number.isFinite(Date.parse(at)), `${side}.at must be an ISO-8601 time`),
      ),
    },
    `${side} must be an object`,
  );

const fieldName = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/, 'a field name must be a letter and up to 39 letters, digits or _'),
);

const conflictInputSchema = v.object(
  {
    restaurantId: text('restaurantId', 200),
    collection: v.pipe(
      text('collection', 40),
      v.regex(/^[a-z][a-z0-9-]*$/, 'collection must be lower-case letters, digits or -'),
    ),
    key: text('key', 200),
    conflictId: v.optional(text('conflictId', 200)),
    fields: v.pipe(
      v.record(
        fieldName,
        v.object(
          {
            base: fieldValue,
            mine: fieldValue,
            theirs: fieldValue,
          },
          'each field must be { base, mine, theirs }',
        ),
        'fields must be an object',
      ),
      v.check((fields) => Object.keys(fields).length >= 1 && Object.keys(fields).length <= 50, 'fields must name 1 to 50 fields'),
    ),
    mine: editSchema('mine'),
    theirs: editSchema('theirs'),
    language: v.picklist(['ja', 'en'], 'language must be ja or en'),
  },
  'a conflict must be an object',
);

const decisionInputSchema = v.object(
  {
    restaurantId: text('restaurantId', 200),
    conflictId: text('conflictId', 200),
    choices: v.pipe(
      v.record(
        fieldName,
        v.picklist(['mine', 'theirs', 'other'], 'a choice must be mine, theirs or other'),
        'choices must be an object',
      ),
      v.check(
        (choices) => Object.keys(choices).length >= 1 && Object.keys(choices).length <= 50,
        'choices must name 1 to 50 fields',
      ),
    ),
    values: v.optional(v.record(fieldName, fieldValue, 'values must be an object')),
    decidedBy: v.optional(nullableText('decidedBy', 200)),
  },
  'a decision must be an object',
);

function parse<T>(schema: v.GenericSchema<unknown, T>, input: unknown, what: string): T {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const issues: Record<string, string> = {};
  for (const issue of result.issues) {
    const path = issue.path?.map((p) => String(p.key)).join('.') || '(root)';
    issues[path] ??= issue.message;
  }
  throw new AssistInputError(
    `invalid ${what}: ${Object.entries(issues)
      .map(([p, m]) => `${p}: ${m}`)
      .join('; ')}`,
    issues,
  );
}

export function parseConflictInput(input: unknown): ConflictInput {
  const parsed = parse(conflictInputSchema, input, 'conflict');
  for (const [field, values] of Object.entries(parsed.fields)) {
    for (const side of ['base', 'mine', 'theirs'] as const) {
      if (values[side] === undefined) values[side] = null;
    }
    parsed.fields[field] = values;
  }
  return parsed as ConflictInput;
}

export function parseDecisionInput(input: unknown): DecisionInput {
  return parse(decisionInputSchema, input, 'decision') as DecisionInput;
}

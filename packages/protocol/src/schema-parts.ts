import * as v from 'valibot';

/** Building blocks of the client-message schemas (schemas.ts), each with the messages a person reads. */

/** One message callback for object schemas: missing keys, unknown keys, and a wrong type. */
export const objectMessage =
  (what: string, unknownKey = 'unknown field') =>
  (issue: v.BaseIssue<unknown>): string => {
    if (issue.expected === 'never') return `${unknownKey} ${issue.received}`;
    if (issue.received === 'undefined' && issue.expected?.startsWith('"')) return `${issue.expected.slice(1, -1)} is required`;
    return `${what} must be an object`;
  };

export const int = (what: string, min: number, max: number) =>
  v.pipe(
    v.number(`${what} must be a number`),
    v.integer(`${what} must be an integer`),
    v.minValue(min, `${what} must be at least ${min}`),
    v.maxValue(max, `${what} must be at most ${max}`),
  );

export const text = (what: string, max: number) =>
  v.pipe(
    v.string(`${what} must be a string`),
    v.trim(),
    v.minLength(1, `${what} is required`),
    v.maxLength(max, `${what} must be at most ${max} characters`),
  );

export const uuidSchema = (what: string) => v.pipe(v.string(`${what} must be a string`), v.uuid(`${what} must be a UUID`));

/**
 * `schema` (an object or record schema) for objects only. Valibot takes an array for an object
 * (`typeof [] === 'object'`) and reads `[]` as `{}`: refused by name first.
 */
export const objectOnly = <T extends v.GenericSchema>(schema: T, what: string) =>
  v.pipe(
    v.custom<v.InferInput<T>>((value) => !Array.isArray(value), `${what} must be an object, not an array`),
    schema,
  );

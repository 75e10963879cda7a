import { randomUUID } from 'node:crypto';

/** One message that must be refused: its type, payload, the code, and the field the reply names. */
export interface BadInputCase {
  type: string;
  payload: unknown;
  code: string;
  field?: string;
  /** Where the plain dialect answers differently (docs/protocol.md, "Dialects"). */
  plain?: { code: string; field?: string };
}

/**
 * The bad-input cases of conformance item 7, shared so that both dialects are held to them: each
 * is refused with a clear ERROR and writes nothing.
 */
export function badInputCases(): BadInputCase[] {
  return [
    { type: 'NOPE', payload: {}, code: 'UNKNOWN_TYPE' },
    { type: 'STAFF_CREATE', payload: { position: 'x' }, code: 'VALIDATION_FAILED', field: 'payload.name' },
    {
      type: 'STAFF_CREATE',
      payload: { name: 'x', position: 'y', department: '厨房' },
      code: 'VALIDATION_FAILED',
      field: 'payload.department',
    },
    {
      type: 'STAFF_CREATE',
      payload: { name: 'x', position: 'y', startPeriod: { year: 2026, month: 5 }, endPeriod: { year: 2026, month: 1 } },
      code: 'VALIDATION_FAILED',
      field: 'payload.endPeriod',
    },
    {
      type: 'STAFF_UPDATE',
      payload: { staffId: 'not-a-uuid', changes: { name: 'x' } },
      code: 'VALIDATION_FAILED',
      field: 'payload.staffId',
      // The plan's load test writes to ids like "test-123": to a plain client, no such member.
      plain: { code: 'NOT_FOUND' },
    },
    {
      type: 'STAFF_UPDATE',
      payload: { staffId: randomUUID(), changes: {} },
      code: 'VALIDATION_FAILED',
      field: 'payload.changes',
    },
    { type: 'STAFF_UPDATE', payload: { staffId: randomUUID(), changes: { name: 'x' } }, code: 'NOT_FOUND' },
    { type: 'STAFF_DELETE', payload: { staffId: randomUUID() }, code: 'NOT_FOUND' },
  ];
}

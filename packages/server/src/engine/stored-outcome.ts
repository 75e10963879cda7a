import type { Db } from '../storage/db.ts';
import type { ChangeStamp } from './collections/collection.ts';

/** Errors worth one more try of the whole transaction: serialization failures and deadlocks. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 5;

/**
 * Run one apply function (a single statement, its own transaction) and return the JSON outcome it
 * answers with. A serialization failure or deadlock runs it again; anything else is thrown.
 */
export async function callApply<T>(db: Db, statement: string, params: readonly unknown[]): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const rows = await db.query<{ outcome: T | string }>(statement, params);
      const raw = rows[0]?.outcome;
      return (typeof raw === 'string' ? JSON.parse(raw) : raw) as T;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= MAX_ATTEMPTS || !code || !RETRYABLE.has(code)) throw error;
    }
  }
}

/** A change stamp as the last three parameters of `staff_sync_stamp` (role, edited at, resolution as JSON text). */
export function stampParams(stamp: ChangeStamp): [string | null, string | null, string | null] {
  return [stamp.role, stamp.editedAt, stamp.resolution ? JSON.stringify(stamp.resolution) : null];
}

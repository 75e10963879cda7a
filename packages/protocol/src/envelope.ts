import type { Envelope } from './types.ts';

/** Build an envelope stamped with the current time. */
export function envelope<T extends string, P>(
  type: T,
  payload: P,
  clientId: string,
  sequenceNumber: number,
  seq?: number,
): Envelope<T, P> {
  const message: Envelope<T, P> = { type, payload, timestamp: new Date().toISOString(), clientId, sequenceNumber };
  if (seq !== undefined) message.seq = seq;
  return message;
}

/** `clientId` of change events made outside the sync server (SQL, the old Supabase path). */
export const DATABASE_CLIENT_ID = 'database';
/** `clientId` of every other server message. */
export const SERVER_CLIENT_ID = 'server';

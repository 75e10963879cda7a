import type { MutationMessage } from '@staff-sync/protocol';
import type { ChangeRow } from '../../storage/rows.ts';
import type { ChangeRecord, Collection } from './collection.ts';
import { shiftCollection } from './shift.ts';
import { staffCollection } from './staff.ts';

/** Every collection the server keeps in step, by name. */
const COLLECTIONS: readonly Collection[] = [staffCollection, shiftCollection];

const BY_NAME = new Map(COLLECTIONS.map((c) => [c.name, c]));
const BY_MUTATION = new Map(COLLECTIONS.flatMap((c) => Object.keys(c.operations).map((type) => [type, c] as const)));

/** The collection a mutation message changes. */
export function collectionOf(type: MutationMessage['type']): Collection {
  const collection = BY_MUTATION.get(type);
  if (!collection) throw new Error(`no collection takes ${type}`);
  return collection;
}

const iso = (value: string | Date): string => (value instanceof Date ? value : new Date(value)).toISOString();

/** A change-log row (or a notification carrying one) as the record every part of the server passes on. */
export function changeRecordOf(row: ChangeRow): ChangeRecord {
  const collection = BY_NAME.get(row.collection ?? 'staff');
  if (!collection) throw new Error(`the change log holds a change of an unknown collection "${row.collection}"`);
  const { type, payload, bulk } = collection.event(row);
  return {
    bulk,
    restaurantId: String(row.restaurant_id),
    seq: Number(row.seq),
    collection: collection.name,
    type,
    payload,
    clientId: row.client_id,
    sequenceNumber: Number(row.sequence_number),
    userId: row.user_id ?? null,
    userName: row.user_name ?? null,
    committedAt: iso(row.created_at),
  };
}

import type { MutationMessage } from '@staff-sync/protocol';
import type { KeyValueStorage } from './storage.ts';

export interface OutboxEntry {
  /** The message exactly as it is (re)sent; never changed once `sent`, or the server sees SEQUENCE_REUSED. */
  message: MutationMessage;
  /** Sent at least once (on some connection); its payload is frozen. */
  sent: boolean;
  /** The version the edit started from (the confirmed member's), when it had one. */
  baseVersion: number | undefined;
  /** An earlier entry of this client on the same member that was unsettled when this one was made. */
  after: number | undefined;
  /**
   * The caller named an edit start older than what the client holds (a form opened before someone
   * else's change): `baseVersion` is sent as it is, so the server's conflict strategy decides.
   */
  pinned?: boolean;
}

/** What the server's ACK gave one of our mutations; `clean` when nobody else wrote in between. */
export interface AckedVersion {
  version: number;
  clean: boolean;
}

/** What an ACK at `version` says of `sent`: nobody else wrote in between when the version moved by at most our own change. */
export function ackedVersion(sent: MutationMessage, version: number): AckedVersion {
  const sentVersion = sent.type === 'STAFF_UPDATE' || sent.type === 'STAFF_DELETE' ? sent.payload.version : 0;
  return { version, clean: sentVersion === undefined || version <= sentVersion + 1 };
}

/**
 * The message as first sent: an update or delete gets the version its edit started from, or the
 * version the ACK of our own earlier change of the same member gave (`after`), since that change
 * is part of what the person saw; someone else's in between is not.
 */
export function finalMessage(entry: OutboxEntry, acked: ReadonlyMap<number, AckedVersion>): MutationMessage {
  const { message } = entry;
  // A create has no version; a cell change carries its cells' base versions from the start.
  if (message.type !== 'STAFF_UPDATE' && message.type !== 'STAFF_DELETE') return message;
  let version = entry.baseVersion;
  const before = entry.after === undefined ? undefined : acked.get(entry.after);
  if (before?.clean && !entry.pinned) version = before.version;
  if (version === undefined) return message;
  return { ...message, payload: { ...message.payload, version } } as MutationMessage;
}

const PREFIX = 'staff-sync:outbox:';
const keyOf = (clientId: string) => `${PREFIX}${clientId}`;

/** What one client's outbox keeps in storage. */
export interface SavedOutbox {
  /** The restaurant the server named in its HELLO to that client, once it had one. */
  restaurantId: string | undefined;
  entries: OutboxEntry[];
}

/**
 * The mutations not yet acknowledged, in the order they were made, persisted on every change so a
 * reload keeps them (the tab's clientId and counter survive in sessionStorage; this survives in
 * localStorage). Bounded: `add` refuses past `limit`.
 */
export class Outbox {
  readonly #storage: KeyValueStorage;
  readonly #limit: number;
  #clientId: string;
  #restaurantId: string | undefined;
  #entries: OutboxEntry[] = [];
  /** Entries found in storage at start (a duplicated tab must leave them to the original). */
  readonly #loaded: ReadonlySet<OutboxEntry>;

  constructor(storage: KeyValueStorage, clientId: string, limit: number) {
    this.#storage = storage;
    this.#clientId = clientId;
    this.#limit = limit;
    const saved = readOutbox(storage, clientId);
    this.#entries = saved.entries;
    this.#restaurantId = saved.restaurantId;
    this.#loaded = new Set(this.#entries);
  }

  get entries(): readonly OutboxEntry[] {
    return this.#entries;
  }

  get size(): number {
    return this.#entries.length;
  }

  get limit(): number {
    return this.#limit;
  }

  /**
   * The restaurant these changes are for (from the server's HELLO), kept with them: another tab
   * delivers a closed tab's changes only to the same restaurant.
   */
  setRestaurant(restaurantId: string): void {
    if (this.#restaurantId === restaurantId) return;
    this.#restaurantId = restaurantId;
    if (this.#entries.length > 0) this.#saveQuietly();
  }

  get(sequenceNumber: number): OutboxEntry | undefined {
    return this.#entries.find((e) => e.message.sequenceNumber === sequenceNumber);
  }

  /** Append and persist. Throws a RangeError when full, and the storage's error when it refuses. */
  add(entry: OutboxEntry): void {
    if (this.#entries.length >= this.#limit) throw new RangeError(`the outbox holds ${this.#limit} unsent changes`);
    this.#entries = [...this.#entries, entry];
    try {
      this.#save();
    } catch (error) {
      this.#entries = this.#entries.slice(0, -1);
      throw error;
    }
  }

  /** Freeze an entry's message as sent (it may have been given its final version just now). */
  markSent(entry: OutboxEntry, message: MutationMessage): void {
    entry.message = message;
    entry.sent = true;
    this.#saveQuietly();
  }

  remove(sequenceNumber: number): OutboxEntry | undefined {
    const entry = this.get(sequenceNumber);
    if (!entry) return undefined;
    this.#entries = this.#entries.filter((e) => e !== entry);
    this.#saveQuietly();
    return entry;
  }

  /**
   * Move this page's own entries to another clientId (the tab turned out to be a duplicate of one
   * that holds the id): the saved entries belong to that tab and are left to it; entries this page
   * made are renumbered (they were never sent under the old id, since sending waits for the claim).
   */
  rekey(clientId: string, renumber: (message: MutationMessage) => MutationMessage): void {
    this.#entries = this.#entries
      .filter((e) => !this.#loaded.has(e))
      .map((e) => ({ ...e, sent: false, message: renumber(e.message), after: undefined }));
    this.#clientId = clientId;
    this.#saveQuietly();
  }

  #save(): void {
    writeOutbox(this.#storage, this.#clientId, { restaurantId: this.#restaurantId, entries: this.#entries });
  }

  #saveQuietly(): void {
    try {
      this.#save();
    } catch (error) {
      // Shrinking never needs more room; growth is checked in `add`. Keep going in memory.
      console.warn('staff-sync: could not persist the outbox', error);
    }
  }
}

/** A client's saved outbox (empty when there is none or it cannot be read). */
export function readOutbox(storage: KeyValueStorage, clientId: string): SavedOutbox {
  try {
    const saved = JSON.parse(storage.getItem(keyOf(clientId)) ?? 'null') as {
      version?: number;
      restaurantId?: unknown;
      entries?: unknown;
    } | null;
    if (saved?.version !== 1 || !Array.isArray(saved.entries)) return { restaurantId: undefined, entries: [] };
    const entries = saved.entries.filter(
      (e): e is OutboxEntry => !!e && typeof e === 'object' && typeof (e as OutboxEntry).message?.sequenceNumber === 'number',
    );
    return { restaurantId: typeof saved.restaurantId === 'string' ? saved.restaurantId : undefined, entries };
  } catch (error) {
    console.warn('staff-sync: the saved outbox could not be read; starting empty', error);
    return { restaurantId: undefined, entries: [] };
  }
}

/** Save a client's outbox; an empty one is removed. Throws what the storage throws. */
export function writeOutbox(storage: KeyValueStorage, clientId: string, saved: SavedOutbox): void {
  if (saved.entries.length === 0) storage.removeItem(keyOf(clientId));
  else storage.setItem(keyOf(clientId), JSON.stringify({ version: 1, restaurantId: saved.restaurantId, entries: saved.entries }));
}

/** The clientIds with a saved outbox, when the storage can list its keys (Web Storage can). */
export function savedOutboxIds(storage: KeyValueStorage): string[] {
  if (typeof storage.key !== 'function' || typeof storage.length !== 'number') return [];
  const ids: string[] = [];
  for (let i = 0; i < storage.length; i++) {
    const key = storage.key(i);
    if (key?.startsWith(PREFIX)) ids.push(key.slice(PREFIX.length));
  }
  return ids;
}

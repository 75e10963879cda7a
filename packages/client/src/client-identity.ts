import type { Outbox } from './outbox.ts';
import type { KeyValueStorage } from './storage.ts';
import { uuid } from './uuid.ts';

const KEY = 'staff-sync:client';

/**
 * This tab's `clientId` and its message counter, kept in sessionStorage: the same id for the life
 * of the tab, across reconnects and reloads, and numbers that keep growing across reloads (the
 * server deduplicates mutations by the pair, and refuses a reused number for a different message).
 */
export class ClientIdentity {
  readonly #storage: KeyValueStorage;
  #clientId: string;
  #last: number;

  constructor(storage: KeyValueStorage, clientId?: string) {
    this.#storage = storage;
    const saved = read(storage);
    if (clientId !== undefined && clientId !== saved?.clientId) {
      this.#clientId = clientId;
      this.#last = 0;
    } else if (saved) {
      this.#clientId = saved.clientId;
      this.#last = saved.last;
    } else {
      this.#clientId = uuid();
      this.#last = 0;
    }
    this.#save();
  }

  get clientId(): string {
    return this.#clientId;
  }

  /** The next sequenceNumber, saved before it is used, so that a reload never reuses it. */
  next(): number {
    this.#last++;
    this.#save();
    return this.#last;
  }

  /** Take a new id and start counting again (this tab turned out to share its id with another). */
  renew(): void {
    this.#clientId = uuid();
    this.#last = 0;
    this.#save();
  }

  #save(): void {
    try {
      this.#storage.setItem(KEY, JSON.stringify({ clientId: this.#clientId, last: this.#last }));
    } catch {
      // Storage full or refused: the counter still grows in memory for this page's life.
    }
  }
}

function read(storage: KeyValueStorage): { clientId: string; last: number } | undefined {
  try {
    const value = JSON.parse(storage.getItem(KEY) ?? 'null') as { clientId?: unknown; last?: unknown } | null;
    if (value && typeof value.clientId === 'string' && value.clientId && Number.isSafeInteger(value.last)) {
      return { clientId: value.clientId, last: value.last as number };
    }
  } catch {
    // A damaged entry is replaced by a fresh identity.
  }
  return undefined;
}

interface LockManagerLike {
  request(name: string, options: { ifAvailable: boolean }, callback: (lock: unknown) => Promise<void> | void): Promise<void>;
}

const webLocks = () => (globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks;

/** Whether this browser has Web Locks, so that a client's lock tells whether its tab is open. */
export const hasWebLocks = (): boolean => webLocks() !== undefined;

/**
 * Hold a Web Lock named after the clientId for as long as this client lives. "Duplicate tab"
 * copies sessionStorage, so two tabs can start with one id; the second finds the lock taken and
 * must take a new id. Resolves false in that case, true when the id is ours (or the browser has
 * no Web Locks). `release` ends the hold (on dispose; a closed page releases it by itself).
 */
export async function claimClientId(clientId: string): Promise<{ ours: boolean; release: () => void }> {
  const locks = webLocks();
  if (!locks) return { ours: true, release: () => {} };
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  return new Promise((resolve) => {
    locks
      .request(`staff-sync:client:${clientId}`, { ifAvailable: true }, (lock) => {
        if (!lock) {
          resolve({ ours: false, release: () => {} });
          return;
        }
        resolve({ ours: true, release });
        return held;
      })
      .catch(() => resolve({ ours: true, release: () => {} }));
  });
}

/**
 * Claim this tab's clientId. A duplicated tab starts with the original's id, and the outbox under it
 * is the original's: it takes a new id, and the changes it made meanwhile move to it, renumbered.
 * `renewed` says so; `release` frees the claim (when the client is disposed).
 */
export async function claimTab(
  identity: ClientIdentity,
  outbox: Pick<Outbox, 'rekey'>,
): Promise<{ renewed: boolean; release: () => void }> {
  const claim = await claimClientId(identity.clientId);
  if (claim.ours) return { renewed: false, release: claim.release };
  identity.renew();
  const { clientId } = identity;
  outbox.rekey(clientId, (m) => ({ ...m, clientId, sequenceNumber: identity.next() }));
  return { renewed: true, release: (await claimClientId(clientId)).release };
}

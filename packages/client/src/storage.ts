/** The part of the Web Storage API the client uses; sessionStorage and localStorage fit it. */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
  /** How many keys there are, and the key at an index (Web Storage has both): to find other tabs' outboxes. */
  readonly length?: number;
  key?(index: number): string | null;
}

/** A storage that lives as long as the object: what the client uses where the browser's is missing. */
export function memoryStorage(): KeyValueStorage {
  const map = new Map<string, string>();
  return {
    get length() {
      return map.size;
    },
    key: (index) => [...map.keys()][index] ?? null,
    getItem: (key) => map.get(key) ?? null,
    setItem: (key, value) => {
      map.set(key, value);
    },
    removeItem: (key) => {
      map.delete(key);
    },
  };
}

/**
 * The browser's storage of that name, or memory when there is none or it refuses access
 * (Node, some private modes, storage disabled by policy).
 */
export function browserStorage(name: 'sessionStorage' | 'localStorage'): KeyValueStorage {
  try {
    const storage = (globalThis as Record<string, unknown>)[name] as KeyValueStorage | undefined;
    if (!storage) return memoryStorage();
    const probe = '__staff_sync_probe__';
    storage.setItem(probe, probe);
    storage.removeItem(probe);
    return storage;
  } catch {
    return memoryStorage();
  }
}

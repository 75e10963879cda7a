import { browserStorage, type KeyValueStorage } from '@staff-sync/client';

export const FLAG_NAME = 'WEBSOCKET_STAFF_MANAGEMENT';
const OVERRIDE_KEY = `staff-sync:flag:${FLAG_NAME}`;

/** A flag setting as written in an environment file or a remote config: on, off, or a percentage. */
export type FlagSetting = string | number | boolean | undefined;

/**
 * The share of users (0..100) a setting turns on: `true`/`on`/`yes` = 100, `false`/`off`/`no` = 0,
 * a number (`10`, `"50"`, `"100%"`) = that percentage. Anything else is undefined (not understood).
 */
export function rolloutPercent(setting: FlagSetting): number | undefined {
  if (typeof setting === 'boolean') return setting ? 100 : 0;
  if (typeof setting === 'number') return Number.isFinite(setting) ? Math.min(100, Math.max(0, setting)) : undefined;
  if (typeof setting !== 'string') return undefined;
  const value = setting.trim().toLowerCase();
  if (['true', 'on', 'yes'].includes(value)) return 100;
  if (['false', 'off', 'no'].includes(value)) return 0;
  const match = /^(\d{1,3})%?$/.exec(value);
  return match && Number(match[1]) <= 100 ? Number(match[1]) : undefined;
}

/**
 * A user's rollout bucket, 0..99: FNV-1a of the flag name and the user's key. Stable, so a user
 * keeps their answer on every device and reload, and buckets nest: everyone in at 10% is in at 50%.
 */
export function rolloutBucket(userKey: string): number {
  let hash = 0x811c9dc5;
  for (const char of `${FLAG_NAME}:${userKey}`) {
    hash ^= char.codePointAt(0) as number;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 100;
}

export interface SyncFlagOptions {
  /** The environment's default, e.g. `import.meta.env.VITE_WEBSOCKET_STAFF_MANAGEMENT`: on, off, or a percentage. */
  envDefault?: FlagSetting;
  /** A stable id of the signed-in user (its auth id), for the percentage rollout. */
  userKey?: string;
  /** Where the per-browser override lives (default localStorage). */
  storage?: KeyValueStorage;
  /**
   * A remote setting, polled: it replaces `envDefault` while it answers. Setting it to `off` is
   * the emergency rollback for everyone: each open page switches to direct mode within one poll.
   */
  remote?: { load: () => Promise<FlagSetting>; intervalMs?: number };
}

export interface FlagState {
  /** Use the sync server (true) or the direct Supabase mode (false). */
  readonly enabled: boolean;
  /** Why: the page's emergency rollback, this browser's override, the remote setting, or the environment default. */
  readonly reason: 'rollback' | 'override' | 'remote' | 'default';
  /** The rollout percentage in force (from the remote setting or the environment). */
  readonly percent: number;
  /** This user's bucket (0..99), or undefined without a user key (then only 0% and 100% decide). */
  readonly bucket: number | undefined;
}

/**
 * The WEBSOCKET_STAFF_MANAGEMENT flag: environment default, percentage rollout by a stable hash
 * of the user, a per-browser override, and an emergency rollback (local or remote) that takes
 * effect in open pages at once. Subscribable, for useSyncExternalStore.
 */
export class SyncFlag {
  readonly #options: SyncFlagOptions;
  readonly #storage: KeyValueStorage;
  readonly #listeners = new Set<() => void>();
  #remote: number | undefined;
  #rolledBack = false;
  #state: FlagState;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: SyncFlagOptions = {}) {
    this.#options = options;
    this.#storage = options.storage ?? browserStorage('localStorage');
    if (options.envDefault !== undefined && rolloutPercent(options.envDefault) === undefined) {
      console.warn(`staff-sync: ${FLAG_NAME}=${String(options.envDefault)} is not on, off or a percentage; taken as off`);
    }
    this.#state = this.#decide();
    if (options.remote) {
      void this.refresh();
      this.#timer = setInterval(() => void this.refresh(), options.remote.intervalMs ?? 60_000);
    }
  }

  getState = (): FlagState => this.#state;

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** This browser only: force on (`true`), off (`false`), or follow the rollout again (`null`). Kept across reloads. */
  setOverride(value: boolean | null): void {
    if (value === null) this.#storage.removeItem(OVERRIDE_KEY);
    else this.#storage.setItem(OVERRIDE_KEY, value ? 'on' : 'off');
    this.#update();
  }

  /** Emergency rollback in this page: the sync connection closes and direct mode takes over, no reload. */
  rollback(): void {
    this.#rolledBack = true;
    this.#update();
  }

  /** Undo this page's rollback. */
  restore(): void {
    this.#rolledBack = false;
    this.#update();
  }

  /** Read the remote setting now (also done every `remote.intervalMs`). A failed read keeps the last answer. */
  async refresh(): Promise<void> {
    if (!this.#options.remote) return;
    try {
      const percent = rolloutPercent(await this.#options.remote.load());
      if (percent !== undefined) this.#remote = percent;
    } catch (error) {
      console.warn(`staff-sync: could not read the remote ${FLAG_NAME} setting; keeping the last one`, error);
    }
    this.#update();
  }

  dispose(): void {
    clearInterval(this.#timer);
    this.#listeners.clear();
  }

  #decide(): FlagState {
    const bucket = this.#options.userKey === undefined ? undefined : rolloutBucket(this.#options.userKey);
    const percent = this.#remote ?? rolloutPercent(this.#options.envDefault) ?? 0;
    const state = (enabled: boolean, reason: FlagState['reason']): FlagState => ({ enabled, reason, percent, bucket });
    if (this.#rolledBack) return state(false, 'rollback');
    const override = readOverride(this.#storage);
    if (override !== undefined) return state(override, 'override');
    const enabled = percent >= 100 || (percent > 0 && bucket !== undefined && bucket < percent);
    return state(enabled, this.#remote !== undefined ? 'remote' : 'default');
  }

  #update(): void {
    const next = this.#decide();
    const prev = this.#state;
    if (next.enabled === prev.enabled && next.reason === prev.reason && next.percent === prev.percent) return;
    this.#state = next;
    for (const listener of this.#listeners) listener();
  }
}

function readOverride(storage: KeyValueStorage): boolean | undefined {
  try {
    const value = storage.getItem(OVERRIDE_KEY);
    return value === 'on' ? true : value === 'off' ? false : undefined;
  } catch {
    return undefined;
  }
}

import { type DirectStaffOptions, type StaffSyncClientOptions, SyncFlag } from '@staff-sync/react';

const NAME_KEY = 'staff-sync:user-name';
const TOKEN_KEY = 'staff-sync:token';

export interface SyncSetup {
  options: StaffSyncClientOptions;
  flag: SyncFlag | undefined;
  direct: DirectStaffOptions | undefined;
  userName: string;
}

function stored(storage: Storage | undefined, key: string): string | null {
  try {
    return storage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

function store(storage: Storage | undefined, key: string, value: string): void {
  try {
    storage?.setItem(key, value);
  } catch {
    // No storage (private mode): the value lasts for this page only.
  }
}

/**
 * The name others see in presence: `?user=` (kept for next time), else the one kept in this
 * browser, else a new guest name. With sign-in on, the server takes the name from the token.
 */
function userNameFor(url: URL): string {
  const given = url.searchParams.get('user')?.trim();
  if (given) {
    store(globalThis.localStorage, NAME_KEY, given);
    return given;
  }
  const saved = stored(globalThis.localStorage, NAME_KEY);
  if (saved) return saved;
  // A name, not a UI string: others see it as it was made, whatever their language.
  const guest = `ゲスト${Math.floor(1000 + Math.random() * 9000)}`;
  store(globalThis.localStorage, NAME_KEY, guest);
  return guest;
}

/**
 * A sign-in token handed over in the URL fragment (`#token=…`, as sign-in redirects do) is moved to
 * sessionStorage and out of the address bar, so it is neither bookmarked nor sent in a Referer.
 */
function tokenFrom(location: Location): string | undefined {
  const hash = new URLSearchParams(location.hash.slice(1));
  const token = hash.get('token');
  if (token) {
    store(globalThis.sessionStorage, TOKEN_KEY, token);
    hash.delete('token');
    const rest = hash.toString();
    history.replaceState(null, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
  }
  return stored(globalThis.sessionStorage, TOKEN_KEY) ?? undefined;
}

/**
 * How this page reaches its data: the sync server of its own origin (`/staff-sync`), the name for
 * presence, and, when the build names a Supabase project, the WEBSOCKET_STAFF_MANAGEMENT flag
 * with the direct Supabase mode as its fallback (supabase-js loads only if that mode starts).
 */
export function syncSetup(location: Location): SyncSetup {
  const url = new URL(location.href);
  const wsUrl = `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}/staff-sync`;
  const userName = userNameFor(url);
  const token = tokenFrom(location);
  const env = import.meta.env;
  const supabaseUrl = env.VITE_SUPABASE_URL as string | undefined;
  const supabaseKey = env.VITE_SUPABASE_ANON_KEY as string | undefined;
  const restaurantId = env.VITE_RESTAURANT_ID as string | undefined;
  const directConfigured = Boolean(supabaseUrl && supabaseKey && restaurantId);
  return {
    options: {
      url: wsUrl,
      userName,
      ...(token ? { getToken: () => stored(globalThis.sessionStorage, TOKEN_KEY) ?? undefined } : {}),
    },
    flag: directConfigured ? new SyncFlag({ envDefault: env.VITE_WEBSOCKET_STAFF_MANAGEMENT as string | undefined }) : undefined,
    direct: directConfigured ? { restaurantId: restaurantId as string, supabaseUrl, supabaseKey } : undefined,
    userName,
  };
}

import type { IncomingMessage } from 'node:http';
import type { Role } from '@staff-sync/protocol';

export interface Identity {
  restaurantId: string;
  role: Role;
  userId: string | undefined;
  /** Display name for presence, when the token has one. */
  userName: string | undefined;
  /** The person's job from the token (ASSIST_ROLE_CLAIM), which suggested resolutions may weigh. */
  job?: string | undefined;
  /** Token expiry in ms since epoch. */
  expiresAt: number | undefined;
}

export type AuthResult = { ok: true; identity: Identity } | { ok: false; status: 401 | 403; message: string };

/** Decides who a WebSocket upgrade or HTTP API request is. */
export interface Authenticator {
  readonly enabled: boolean;
  authenticate(request: IncomingMessage, url: URL): Promise<AuthResult>;
}

/** Sign-in off (the embedded default): every client is an editor of the default restaurant. */
export function openAccess(defaultRestaurantId: string): Authenticator {
  const identity: Identity = {
    restaurantId: defaultRestaurantId,
    role: 'editor',
    userId: undefined,
    userName: undefined,
    expiresAt: undefined,
  };
  return { enabled: false, authenticate: async () => ({ ok: true, identity }) };
}

/**
 * Refuse requests sent by pages of other origins. Browsers always send `Origin` with a WebSocket
 * handshake and with cross-origin requests, so a request without one does not come from another
 * site's page (it is a program, or a same-origin GET) and is let through to the token check.
 */
export function withAllowedOrigins(inner: Authenticator, origins: readonly string[]): Authenticator {
  const allowed = new Set(origins);
  return {
    enabled: inner.enabled,
    authenticate(request, url) {
      const origin = request.headers.origin;
      if (origin !== undefined && !allowed.has(origin)) {
        return Promise.resolve({ ok: false, status: 403, message: 'this origin may not connect (ALLOWED_ORIGINS)' });
      }
      return inner.authenticate(request, url);
    },
  };
}

import { randomUUID } from 'node:crypto';
import { type CryptoKey, SignJWT } from 'jose';

/** A test secret as long as Supabase's (the server requires at least 32 characters). */
export const TEST_JWT_SECRET = 'test-only-secret-0123456789abcdef-0123456789abcdef';

export interface TokenClaims {
  restaurant: string;
  role?: 'viewer' | 'editor' | string;
  name?: string;
  /** Seconds from now until the token expires (negative: already expired). */
  expiresIn?: number;
  audience?: string;
  sub?: string;
  /** The person's job (`manager`, ...), in app_metadata.staff_role (ASSIST_ROLE_CLAIM). */
  job?: string;
}

function claimsOf(c: TokenClaims) {
  return {
    app_metadata: {
      restaurant_id: c.restaurant,
      ...(c.role ? { staff_sync_role: c.role } : {}),
      ...(c.job ? { staff_role: c.job } : {}),
    },
    user_metadata: c.name ? { name: c.name } : {},
    role: 'authenticated', // what Supabase puts there; the server does not read it
  };
}

function builder(c: TokenClaims): SignJWT {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claimsOf(c))
    .setSubject(c.sub ?? randomUUID())
    .setAudience(c.audience ?? 'authenticated')
    .setIssuedAt(now)
    .setExpirationTime(now + (c.expiresIn ?? 3600));
}

/** A Supabase-style HS256 access token. */
export function hs256Token(c: TokenClaims, secret = TEST_JWT_SECRET): Promise<string> {
  return builder(c).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}

/** A token signed with an asymmetric key (as Supabase's new signing keys, ES256). */
export function es256Token(c: TokenClaims, key: CryptoKey, kid: string): Promise<string> {
  return builder(c).setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid }).sign(key);
}

import type { IncomingMessage } from 'node:http';
import { textProblem } from '@staff-sync/protocol';
import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { Config } from '../config/settings.ts';
import type { Authenticator, AuthResult } from './authenticator.ts';

export type JwtSettings = Pick<
  Config,
  | 'authJwtSecret'
  | 'authJwksUrl'
  | 'authIssuer'
  | 'authAudience'
  | 'authRestaurantClaim'
  | 'authRoleClaim'
  | 'authDefaultRole'
  | 'authNameClaim'
  | 'assistRoleClaim'
>;

/** Asymmetric algorithms a JWKS may sign with (Supabase's signing keys are ES256 or RS256). */
const JWKS_ALGORITHMS = ['ES256', 'RS256'];

/** A token from the `token` query parameter (browsers cannot set headers on a WebSocket) or `Authorization: Bearer`. */
function tokenOf(request: IncomingMessage, url: URL): string | undefined {
  const fromQuery = url.searchParams.get('token');
  if (fromQuery) return fromQuery;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

/** `a.b.c` of a claims object; undefined when any step is missing. */
function claimAt(claims: JWTPayload, path: string): unknown {
  let value: unknown = claims;
  for (const step of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, step)) return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}

const refused = (status: 401 | 403, message: string): AuthResult => ({ ok: false, status, message });

/**
 * Sign-in with JWTs, compatible with Supabase Auth: HS256 tokens checked with the project's JWT
 * secret, asymmetric ones with the issuer's JWKS (fetched, cached and refreshed by jose when a
 * new key id appears). Both may be configured at once, as during a Supabase key rotation.
 */
export function jwtAuth(settings: JwtSettings): Authenticator {
  const secret = settings.authJwtSecret ? new TextEncoder().encode(settings.authJwtSecret) : undefined;
  const jwks = settings.authJwksUrl
    ? createRemoteJWKSet(new URL(settings.authJwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000 })
    : undefined;
  const algorithms = [...(secret ? ['HS256'] : []), ...(jwks ? JWKS_ALGORITHMS : [])];
  const getKey: JWTVerifyGetKey = (header, token) => {
    if (header.alg === 'HS256' && secret) return secret;
    if (jwks) return jwks(header, token);
    throw new errors.JOSEAlgNotAllowed(`alg ${header.alg} is not accepted`);
  };

  return {
    enabled: true,
    async authenticate(request, url) {
      const token = tokenOf(request, url);
      if (!token) return refused(401, 'sign-in required: send a token (query parameter token, or Authorization: Bearer)');
      let claims: JWTPayload;
      try {
        ({ payload: claims } = await jwtVerify(token, getKey, {
          algorithms,
          audience: settings.authAudience,
          ...(settings.authIssuer ? { issuer: settings.authIssuer } : {}),
          // Expiry is what ends a session (the connection closes with 4001), so it must be there.
          requiredClaims: ['exp'],
        }));
      } catch (error) {
        if (error instanceof errors.JWTExpired) return refused(401, 'token expired; sign in again');
        if (error instanceof errors.JWKSTimeout) return refused(401, 'could not reach the key set to check the token; try again');
        return refused(401, 'invalid token');
      }
      const restaurant = claimAt(claims, settings.authRestaurantClaim);
      const restaurantId = typeof restaurant === 'number' && Number.isSafeInteger(restaurant) ? String(restaurant) : restaurant;
      if (typeof restaurantId !== 'string' || !/^[^\p{Cc}]{1,200}$/u.test(restaurantId) || textProblem(restaurantId)) {
        return refused(403, `the token names no restaurant (claim ${settings.authRestaurantClaim})`);
      }
      const roleClaim = claimAt(claims, settings.authRoleClaim);
      const role = roleClaim === undefined ? settings.authDefaultRole : roleClaim;
      if (role !== 'viewer' && role !== 'editor') {
        return refused(403, `the token's role (claim ${settings.authRoleClaim}) must be viewer or editor`);
      }
      // The ids are stored with every change (staff_sync_changes.user_id): text the database holds.
      if (typeof claims.sub === 'string' && textProblem(claims.sub))
        return refused(403, "the token's subject (sub) is not valid text");
      const name = claimAt(claims, settings.authNameClaim);
      return {
        ok: true,
        identity: {
          restaurantId,
          role,
          userId: typeof claims.sub === 'string' ? claims.sub : undefined,
          userName: displayName(name),
          job: jobOf(claimAt(claims, settings.assistRoleClaim)),
          expiresAt: (claims.exp as number) * 1000,
        },
      };
    },
  };
}

/** The token's name, trimmed to 100 characters (whole code points); none when empty or not storable text. */
function displayName(claim: unknown): string | undefined {
  if (typeof claim !== 'string' || textProblem(claim)) return undefined;
  const name = Array.from(claim.trim()).slice(0, 100).join('');
  return name || undefined;
}

/** The person's job (`manager`, ...) for suggested resolutions (docs/assist.md); none when not short text. */
function jobOf(claim: unknown): string | undefined {
  if (typeof claim !== 'string' || textProblem(claim)) return undefined;
  const job = claim.trim();
  return job && job.length <= 40 ? job : undefined;
}

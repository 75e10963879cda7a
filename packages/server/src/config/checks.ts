import type { Config } from './settings.ts';
import { SETTINGS_TABLE } from './settings.ts';

/** Rules between settings, and formats a single value's kind cannot express. */

export function crossChecks(config: Config): string[] {
  const problems: string[] = [];
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(config.periodsStart)) problems.push('PERIODS_START: must be YYYY-MM, e.g. 2025-01');
  if (config.rateLimitBurst < 1) problems.push('RATE_LIMIT_BURST: must be at least 1');
  if (config.databaseUrl && !/^postgres(ql)?:$/.test(new URL(config.databaseUrl).protocol)) {
    problems.push('DATABASE_URL: must start with postgres:// or postgresql://');
  }
  if (config.redisUrl && !/^rediss?:$/.test(new URL(config.redisUrl).protocol)) {
    problems.push('REDIS_URL: must start with redis:// or rediss://');
  }
  problems.push(...authChecks(config));
  return problems;
}

const CLAIM_PATH = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/;

/** True when tokens are checked (a secret or a JWKS is configured). */
export function signInEnabled(config: Pick<Config, 'authJwtSecret' | 'authJwksUrl'>): boolean {
  return config.authJwtSecret !== undefined || config.authJwksUrl !== undefined;
}

function authChecks(config: Config): string[] {
  const problems: string[] = [];
  // HS256 with a short secret can be brute-forced offline from one token.
  if (config.authJwtSecret !== undefined && config.authJwtSecret.length < 32)
    problems.push('AUTH_JWT_SECRET: must be at least 32 characters');
  if (config.authJwksUrl && !/^https?:$/.test(new URL(config.authJwksUrl).protocol))
    problems.push('AUTH_JWKS_URL: must start with https:// (or http:// on a private network)');
  for (const setting of ['authRestaurantClaim', 'authRoleClaim', 'authNameClaim'] as const) {
    if (!CLAIM_PATH.test(config[setting]))
      problems.push(`${SETTINGS_TABLE[setting].env}: must be a claim name or dotted path such as app_metadata.restaurant_id`);
  }
  for (const origin of config.allowedOrigins ?? []) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {}
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin)
      problems.push(
        `ALLOWED_ORIGINS: ${JSON.stringify(origin)} is not an origin like https://app.example.com (no path, no slash at the end)`,
      );
  }
  if (config.nodeEnv === 'production' && !signInEnabled(config) && !config.allowOpenAccess) {
    problems.push(
      'NODE_ENV=production with sign-in off: set AUTH_JWT_SECRET or AUTH_JWKS_URL, or ALLOW_OPEN_ACCESS=true to run without sign-in on purpose',
    );
  }
  return problems;
}

import { CONFLICT_STRATEGIES, type ConflictStrategy } from '@staff-sync/protocol';

/**
 * Every setting of the server: environment variable, matching CLI flag, default, meaning.
 * docs/configuration.md is this table in prose; `staff-sync serve --help` prints it.
 */

type Kind = 'int' | 'string' | 'bool' | 'enum' | 'url' | 'list' | 'secret';

interface Setting<K extends keyof Config> {
  key: K;
  env: string;
  kind: Kind;
  default: Config[K];
  help: string;
  min?: number;
  max?: number;
  values?: readonly string[];
}

/** Settings whose values are never echoed in an error message or log line. */
const HIDDEN = new Set(['DATABASE_URL', 'REDIS_URL', 'AUTH_JWT_SECRET']);

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  conflictStrategy: ConflictStrategy;
  redisUrl: string | undefined;
  defaultRestaurantId: string;
  maxMessageBytes: number;
  maxBacklogBytes: number;
  maxConnections: number;
  maxPendingMessages: number;
  fanoutIntervalMs: number;
  rateLimitPerSecond: number;
  rateLimitBurst: number;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  shutdownTimeoutMs: number;
  changelogRetentionHours: number;
  dedupeRetentionHours: number;
  pruneIntervalMs: number;
  deltaMaxChanges: number;
  periodsStart: string;
  periodsAhead: number;
  compression: boolean;
  dbPoolSize: number;
  feedPollIntervalMs: number;
  checkIntervalMs: number;
  logLevel: string;
  staticDir: string | undefined;
  nodeEnv: string;
  allowOpenAccess: boolean;
  authJwtSecret: string | undefined;
  authJwksUrl: string | undefined;
  authIssuer: string | undefined;
  authAudience: string;
  authRestaurantClaim: string;
  authRoleClaim: string;
  authDefaultRole: 'viewer' | 'editor';
  authNameClaim: string;
  allowedOrigins: string[] | undefined;
  redisKeyPrefix: string;
  presenceTtlMs: number;
  presenceLeaseMs: number;
  userRateLimitPerSecond: number;
  userRateLimitBurst: number;
}

const settings: { [K in keyof Config]: Setting<K> } = {
  port: {
    key: 'port',
    env: 'PORT',
    kind: 'int',
    default: 8080,
    min: 0,
    max: 65535,
    help: 'HTTP and WebSocket port (0: any free port)',
  },
  host: { key: 'host', env: 'HOST', kind: 'string', default: '0.0.0.0', help: 'interface to listen on' },
  databaseUrl: {
    key: 'databaseUrl',
    env: 'DATABASE_URL',
    kind: 'url',
    default: undefined,
    help: 'PostgreSQL or Supabase connection string (session mode); unset: the embedded database',
  },
  dataDir: {
    key: 'dataDir',
    env: 'DATA_DIR',
    kind: 'string',
    default: './data',
    help: "embedded database's folder (kept across restarts)",
  },
  conflictStrategy: {
    key: 'conflictStrategy',
    env: 'CONFLICT_STRATEGY',
    kind: 'enum',
    default: 'merge',
    values: CONFLICT_STRATEGIES,
    help: 'how a STAFF_UPDATE from an older version is decided',
  },
  redisUrl: {
    key: 'redisUrl',
    env: 'REDIS_URL',
    kind: 'url',
    default: undefined,
    help: 'Redis for presence and rate limits across replicas',
  },
  defaultRestaurantId: {
    key: 'defaultRestaurantId',
    env: 'DEFAULT_RESTAURANT_ID',
    kind: 'string',
    default: '00000000-0000-0000-0000-000000000001',
    help: 'the restaurant every client belongs to when sign-in is off',
  },
  maxMessageBytes: {
    key: 'maxMessageBytes',
    env: 'MAX_MESSAGE_BYTES',
    kind: 'int',
    default: 65536,
    min: 1024,
    max: 16 * 1024 * 1024,
    help: 'largest frame accepted, after decompression; larger closes the connection with 1009',
  },
  maxBacklogBytes: {
    key: 'maxBacklogBytes',
    env: 'MAX_BACKLOG_BYTES',
    kind: 'int',
    default: 4 * 1024 * 1024,
    min: 4096,
    max: 1024 * 1024 * 1024,
    help: 'unsent bytes allowed per connection; past it the connection is closed with 1013',
  },
  maxConnections: {
    key: 'maxConnections',
    env: 'MAX_CONNECTIONS',
    kind: 'int',
    default: 20000,
    min: 1,
    max: 1_000_000,
    help: 'open WebSockets per process; further upgrades get HTTP 503',
  },
  fanoutIntervalMs: {
    key: 'fanoutIntervalMs',
    env: 'FANOUT_INTERVAL_MS',
    kind: 'int',
    default: 0,
    min: 0,
    max: 1000,
    help: 'least time between two fan-out passes (they are also spaced by their own cost); changes committed meanwhile go out together, one frame per client',
  },
  maxPendingMessages: {
    key: 'maxPendingMessages',
    env: 'MAX_PENDING_MESSAGES',
    kind: 'int',
    default: 256,
    min: 1,
    max: 100_000,
    help: 'messages of one connection waiting to be processed; further ones get RATE_LIMITED',
  },
  rateLimitPerSecond: {
    key: 'rateLimitPerSecond',
    env: 'RATE_LIMIT_PER_SECOND',
    kind: 'int',
    default: 100,
    min: 1,
    max: 1_000_000,
    help: 'messages per second per connection (token bucket refill); excess gets RATE_LIMITED',
  },
  rateLimitBurst: {
    key: 'rateLimitBurst',
    env: 'RATE_LIMIT_BURST',
    kind: 'int',
    default: 200,
    min: 1,
    max: 1_000_000,
    help: 'messages a connection may send at once before the rate limit applies',
  },
  heartbeatIntervalMs: {
    key: 'heartbeatIntervalMs',
    env: 'HEARTBEAT_INTERVAL_MS',
    kind: 'int',
    default: 30000,
    min: 100,
    max: 3_600_000,
    help: 'a connection silent this long gets a WebSocket ping',
  },
  heartbeatTimeoutMs: {
    key: 'heartbeatTimeoutMs',
    env: 'HEARTBEAT_TIMEOUT_MS',
    kind: 'int',
    default: 10000,
    min: 100,
    max: 3_600_000,
    help: 'a ping unanswered this long drops the connection',
  },
  shutdownTimeoutMs: {
    key: 'shutdownTimeoutMs',
    env: 'SHUTDOWN_TIMEOUT_MS',
    kind: 'int',
    default: 10000,
    min: 0,
    max: 600_000,
    help: 'on SIGTERM, how long in-flight mutations may take before sockets close with 1012',
  },
  changelogRetentionHours: {
    key: 'changelogRetentionHours',
    env: 'CHANGELOG_RETENTION_HOURS',
    kind: 'int',
    default: 168,
    min: 1,
    max: 87600,
    help: 'change-log rows older than this are pruned; a resume from before them gets a full snapshot',
  },
  dedupeRetentionHours: {
    key: 'dedupeRetentionHours',
    env: 'DEDUPE_RETENTION_HOURS',
    kind: 'int',
    default: 720,
    min: 1,
    max: 87600,
    help: 'how long a mutation outcome is kept to answer retries of it',
  },
  pruneIntervalMs: {
    key: 'pruneIntervalMs',
    env: 'PRUNE_INTERVAL_MS',
    kind: 'int',
    default: 3_600_000,
    min: 1000,
    max: 86_400_000,
    help: 'how often retention is applied',
  },
  deltaMaxChanges: {
    key: 'deltaMaxChanges',
    env: 'DELTA_MAX_CHANGES',
    kind: 'int',
    default: 1000,
    min: 1,
    max: 1_000_000,
    help: 'a resume that missed more changes than this gets a full snapshot instead',
  },
  periodsStart: {
    key: 'periodsStart',
    env: 'PERIODS_START',
    kind: 'string',
    default: '2025-01',
    help: 'YYYY-MM: month whose 21st starts default period 0',
  },
  periodsAhead: {
    key: 'periodsAhead',
    env: 'PERIODS_AHEAD',
    kind: 'int',
    default: 12,
    min: 0,
    max: 240,
    help: 'default periods listed beyond the current one',
  },
  compression: {
    key: 'compression',
    env: 'COMPRESSION',
    kind: 'bool',
    default: true,
    help: 'negotiate permessage-deflate (frames of 1 KiB and more are compressed)',
  },
  dbPoolSize: {
    key: 'dbPoolSize',
    env: 'DB_POOL_SIZE',
    kind: 'int',
    default: 10,
    min: 1,
    max: 1000,
    help: 'PostgreSQL connections per process',
  },
  feedPollIntervalMs: {
    key: 'feedPollIntervalMs',
    env: 'FEED_POLL_INTERVAL_MS',
    kind: 'int',
    default: 250,
    min: 20,
    max: 60_000,
    help: 'while the LISTEN connection to PostgreSQL is down, the change feed reads the change log this often',
  },
  checkIntervalMs: {
    key: 'checkIntervalMs',
    env: 'CHECK_INTERVAL_MS',
    kind: 'int',
    default: 0,
    min: 0,
    max: 604_800_000,
    help: 'run the integrity check (staff-sync check) this often while serving; 0: never',
  },
  logLevel: {
    key: 'logLevel',
    env: 'LOG_LEVEL',
    kind: 'enum',
    default: 'info',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    help: 'log level',
  },
  staticDir: {
    key: 'staticDir',
    env: 'STATIC_DIR',
    kind: 'string',
    default: undefined,
    help: 'folder of the web app to serve at / (default: the built app, when there is one)',
  },
  nodeEnv: {
    key: 'nodeEnv',
    env: 'NODE_ENV',
    kind: 'string',
    default: 'development',
    help: 'production: refuse to start with sign-in off unless ALLOW_OPEN_ACCESS is set',
  },
  allowOpenAccess: {
    key: 'allowOpenAccess',
    env: 'ALLOW_OPEN_ACCESS',
    kind: 'bool',
    default: false,
    help: 'with NODE_ENV=production, start even though sign-in is off (everyone edits the default restaurant)',
  },
  authJwtSecret: {
    key: 'authJwtSecret',
    env: 'AUTH_JWT_SECRET',
    kind: 'secret',
    default: undefined,
    help: "HS256 secret of the tokens (Supabase: the project's JWT secret); with AUTH_JWKS_URL or alone turns sign-in on",
  },
  authJwksUrl: {
    key: 'authJwksUrl',
    env: 'AUTH_JWKS_URL',
    kind: 'url',
    default: undefined,
    help: 'JWKS of the token issuer (Supabase: https://<project>.supabase.co/auth/v1/.well-known/jwks.json); turns sign-in on',
  },
  authIssuer: {
    key: 'authIssuer',
    env: 'AUTH_ISSUER',
    kind: 'string',
    default: undefined,
    help: 'required `iss` of tokens (Supabase: https://<project>.supabase.co/auth/v1); unset: any issuer',
  },
  authAudience: {
    key: 'authAudience',
    env: 'AUTH_AUDIENCE',
    kind: 'string',
    default: 'authenticated',
    help: "required `aud` of tokens (Supabase's signed-in users have `authenticated`; its public anon key has none)",
  },
  authRestaurantClaim: {
    key: 'authRestaurantClaim',
    env: 'AUTH_RESTAURANT_CLAIM',
    kind: 'string',
    default: 'app_metadata.restaurant_id',
    help: "the token claim (dotted path) naming the user's restaurant; a token without it is refused",
  },
  authRoleClaim: {
    key: 'authRoleClaim',
    env: 'AUTH_ROLE_CLAIM',
    kind: 'string',
    default: 'app_metadata.staff_sync_role',
    help: 'the token claim (dotted path) holding `viewer` (read only) or `editor`',
  },
  authDefaultRole: {
    key: 'authDefaultRole',
    env: 'AUTH_DEFAULT_ROLE',
    kind: 'enum',
    default: 'viewer',
    values: ['viewer', 'editor'],
    help: 'role of a token without the role claim',
  },
  authNameClaim: {
    key: 'authNameClaim',
    env: 'AUTH_NAME_CLAIM',
    kind: 'string',
    default: 'user_metadata.name',
    help: 'the token claim (dotted path) with the display name shown in presence',
  },
  allowedOrigins: {
    key: 'allowedOrigins',
    env: 'ALLOWED_ORIGINS',
    kind: 'list',
    default: undefined,
    help: 'comma-separated origins (https://app.example.com) whose pages may connect; others get 403; unset: any',
  },
  redisKeyPrefix: {
    key: 'redisKeyPrefix',
    env: 'REDIS_KEY_PREFIX',
    kind: 'string',
    default: 'staff-sync:',
    help: 'prefix of every Redis key and channel (one Redis can serve several deployments)',
  },
  presenceTtlMs: {
    key: 'presenceTtlMs',
    env: 'PRESENCE_TTL_MS',
    kind: 'int',
    default: 15000,
    min: 1000,
    max: 600_000,
    help: "with Redis: how long a replica's presence entries outlive it when it dies",
  },
  presenceLeaseMs: {
    key: 'presenceLeaseMs',
    env: 'PRESENCE_LEASE_MS',
    kind: 'int',
    default: 15000,
    min: 1000,
    max: 600_000,
    help: 'presence set over the HTTP API (PUT /api/v1/presence) lasts this long unless renewed (the client renews every 5 s)',
  },
  userRateLimitPerSecond: {
    key: 'userRateLimitPerSecond',
    env: 'USER_RATE_LIMIT_PER_SECOND',
    kind: 'int',
    default: 200,
    min: 1,
    max: 1_000_000,
    help: 'messages per second per user over all connections (with Redis: over all replicas); excess gets RATE_LIMITED',
  },
  userRateLimitBurst: {
    key: 'userRateLimitBurst',
    env: 'USER_RATE_LIMIT_BURST',
    kind: 'int',
    default: 400,
    min: 1,
    max: 1_000_000,
    help: 'messages a user may send at once before the per-user limit applies',
  },
};

export const SETTINGS = Object.values(settings) as Setting<keyof Config>[];

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
    this.name = 'ConfigError';
  }
}

/** `DATABASE_URL` -> `--database-url`. */
export function flagOf(env: string): string {
  return `--${env.toLowerCase().replaceAll('_', '-')}`;
}

function parseValue(setting: Setting<keyof Config>, raw: string, source: string): { value?: unknown; problem?: string } {
  const where = `${source}=${HIDDEN.has(setting.env) ? '<hidden>' : JSON.stringify(raw)}`;
  switch (setting.kind) {
    case 'int': {
      if (!/^-?\d+$/.test(raw.trim())) return { problem: `${where}: must be a whole number` };
      const n = Number(raw);
      if (setting.min !== undefined && n < setting.min) return { problem: `${where}: must be at least ${setting.min}` };
      if (setting.max !== undefined && n > setting.max) return { problem: `${where}: must be at most ${setting.max}` };
      return { value: n };
    }
    case 'bool': {
      const v = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return { value: true };
      if (['0', 'false', 'no', 'off'].includes(v)) return { value: false };
      return { problem: `${where}: must be true or false` };
    }
    case 'enum':
      if (!setting.values?.includes(raw)) return { problem: `${where}: must be one of ${setting.values?.join(', ')}` };
      return { value: raw };
    case 'url': {
      if (raw === '') return { value: undefined };
      try {
        new URL(raw);
        return { value: raw };
      } catch {
        return { problem: `${where}: is not a URL` };
      }
    }
    case 'list': {
      const items = raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
      return { value: items.length ? items : undefined };
    }
    default:
      if (raw === '') return { problem: `${where}: must not be empty` };
      return { value: raw };
  }
}

/**
 * Build the configuration from the environment and CLI flags (flags win). Every problem is
 * reported at once; unknown flags are problems too.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = []): Config {
  const problems: string[] = [];
  const byFlag = new Map(SETTINGS.map((s) => [flagOf(s.env), s]));
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const setting = byFlag.get(name);
    if (!setting) {
      problems.push(`unknown option ${name}`);
      continue;
    }
    if (eq > 0) flags.set(setting.env, arg.slice(eq + 1));
    else if (setting.kind === 'bool' && (argv[i + 1] === undefined || argv[i + 1]?.startsWith('--')))
      flags.set(setting.env, 'true');
    else if (argv[i + 1] === undefined) problems.push(`${name} needs a value`);
    else flags.set(setting.env, argv[++i] as string);
  }
  const config: Record<string, unknown> = {};
  for (const setting of SETTINGS) {
    const fromFlag = flags.get(setting.env);
    const raw = fromFlag ?? env[setting.env];
    if (raw === undefined || (raw === '' && fromFlag === undefined)) {
      config[setting.key] = setting.default;
      continue;
    }
    const parsed = parseValue(setting, raw, fromFlag !== undefined ? flagOf(setting.env) : setting.env);
    if (parsed.problem) problems.push(parsed.problem);
    else config[setting.key] = parsed.value;
  }
  const result = config as unknown as Config;
  if (!problems.length) problems.push(...crossChecks(result));
  if (problems.length) throw new ConfigError(problems);
  return result;
}

function crossChecks(config: Config): string[] {
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
      problems.push(`${settings[setting].env}: must be a claim name or dotted path such as app_metadata.restaurant_id`);
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

/** The settings as text for `--help`. */
export function describeSettings(): string {
  return SETTINGS.map((s) => {
    const def = s.default === undefined ? '(unset)' : String(s.default);
    return `  ${flagOf(s.env).padEnd(30)} ${s.env.padEnd(26)} default ${def}\n      ${s.help}`;
  }).join('\n');
}

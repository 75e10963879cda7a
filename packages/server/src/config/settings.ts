import { CONFLICT_STRATEGIES, ROLES } from '@staff-sync/protocol';

/**
 * Every setting of the server: environment variable (the CLI flag is derived from it), default,
 * bounds and meaning. `Config` is inferred from this table; docs/configuration.md is generated
 * from it (scripts/config-table.ts) and `staff-sync --help` prints it.
 */

type Kind = 'int' | 'number' | 'string' | 'bool' | 'enum' | 'url' | 'list' | 'secret';

export interface Setting<T = unknown> {
  env: string;
  kind: Kind;
  default: T;
  help: string;
  min?: number;
  max?: number;
  values?: readonly string[];
}

const int = (env: string, def: number, min: number, max: number, help: string): Setting<number> => ({
  env,
  kind: 'int',
  default: def,
  min,
  max,
  help,
});
const num = (env: string, def: number, min: number, max: number, help: string): Setting<number> => ({
  env,
  kind: 'number',
  default: def,
  min,
  max,
  help,
});
const bool = (env: string, def: boolean, help: string): Setting<boolean> => ({ env, kind: 'bool', default: def, help });
const oneOf = <const V extends string>(env: string, def: V, values: readonly V[], help: string): Setting<V> => ({
  env,
  kind: 'enum',
  default: def,
  values,
  help,
});
const text = (env: string, def: string, help: string): Setting<string> => ({ env, kind: 'string', default: def, help });
const optionalText = (env: string, help: string): Setting<string | undefined> => ({
  env,
  kind: 'string',
  default: undefined,
  help,
});
const url = (env: string, help: string): Setting<string | undefined> => ({ env, kind: 'url', default: undefined, help });
/** Never echoed in an error message or a log line. */
const secret = (env: string, help: string): Setting<string | undefined> => ({ env, kind: 'secret', default: undefined, help });
const list = (env: string, help: string): Setting<string[] | undefined> => ({ env, kind: 'list', default: undefined, help });

export const SETTINGS_TABLE = {
  port: int('PORT', 8080, 0, 65535, 'HTTP and WebSocket port (0: any free port)'),
  host: text('HOST', '0.0.0.0', 'interface to listen on'),
  databaseUrl: url('DATABASE_URL', 'PostgreSQL or Supabase connection string (session mode); unset: the embedded database'),
  dataDir: text('DATA_DIR', './data', "embedded database's folder (kept across restarts)"),
  conflictStrategy: oneOf(
    'CONFLICT_STRATEGY',
    'merge',
    CONFLICT_STRATEGIES,
    'how a STAFF_UPDATE from an older version is decided (assisted: suggested resolutions, docs/assist.md)',
  ),
  assistConfidence: num(
    'ASSIST_CONFIDENCE',
    0.9,
    0.5,
    1,
    'under CONFLICT_STRATEGY=assisted: a suggestion at or above this confidence is applied without asking',
  ),
  assistLearning: bool(
    'ASSIST_LEARNING',
    true,
    "learn from people's choices (resolves); off: nothing is recorded, only the objective rules decide",
  ),
  assistImplicitAcceptMs: int(
    'ASSIST_IMPLICIT_ACCEPT_MS',
    600_000,
    0,
    86_400_000,
    'an applied suggestion nobody corrects within this time is learned as accepted',
  ),
  assistRoleClaim: text(
    'ASSIST_ROLE_CLAIM',
    'app_metadata.staff_role',
    "the token claim (dotted path) with the person's job (manager, ...) that suggestions may weigh",
  ),
  redisUrl: url('REDIS_URL', 'Redis for presence and rate limits across replicas'),
  defaultRestaurantId: text(
    'DEFAULT_RESTAURANT_ID',
    '00000000-0000-0000-0000-000000000001',
    'the restaurant every client belongs to when sign-in is off',
  ),
  maxMessageBytes: int(
    'MAX_MESSAGE_BYTES',
    65536,
    1024,
    16 * 1024 * 1024,
    'largest frame accepted, after decompression; larger closes the connection with 1009',
  ),
  maxBacklogBytes: int(
    'MAX_BACKLOG_BYTES',
    4 * 1024 * 1024,
    4096,
    1024 * 1024 * 1024,
    'unsent bytes allowed per connection; past it the connection is closed with 1013',
  ),
  maxConnections: int('MAX_CONNECTIONS', 20000, 1, 1_000_000, 'open WebSockets per process; further upgrades get HTTP 503'),
  fanoutIntervalMs: int(
    'FANOUT_INTERVAL_MS',
    0,
    0,
    1000,
    'least time between two fan-out passes (they are also spaced by their own cost); changes committed meanwhile go out together, one frame per client',
  ),
  groupCommitMax: int(
    'GROUP_COMMIT_MAX',
    64,
    1,
    10_000,
    "most mutations committed in one transaction when they arrive while one is in flight (1: one transaction each, and a connection's mutations one at a time; see docs/architecture.md, Group commit)",
  ),
  maxPendingMessages: int(
    'MAX_PENDING_MESSAGES',
    256,
    1,
    100_000,
    'messages of one connection waiting to be processed; further ones get RATE_LIMITED',
  ),
  rateLimitPerSecond: int(
    'RATE_LIMIT_PER_SECOND',
    100,
    1,
    1_000_000,
    'frames per second per connection, invalid ones included (token bucket refill); a message past it gets RATE_LIMITED',
  ),
  rateLimitBurst: int(
    'RATE_LIMIT_BURST',
    200,
    1,
    1_000_000,
    'messages a connection may send at once before the rate limit applies',
  ),
  heartbeatIntervalMs: int('HEARTBEAT_INTERVAL_MS', 30000, 100, 3_600_000, 'a connection silent this long gets a WebSocket ping'),
  heartbeatTimeoutMs: int('HEARTBEAT_TIMEOUT_MS', 10000, 100, 3_600_000, 'a ping unanswered this long drops the connection'),
  shutdownTimeoutMs: int(
    'SHUTDOWN_TIMEOUT_MS',
    10000,
    0,
    600_000,
    'on SIGTERM, how long in-flight mutations may take before sockets close with 1012',
  ),
  changelogRetentionHours: int(
    'CHANGELOG_RETENTION_HOURS',
    168,
    1,
    87600,
    'change-log rows older than this are pruned; a resume from before them gets a full snapshot',
  ),
  dedupeRetentionHours: int(
    'DEDUPE_RETENTION_HOURS',
    720,
    1,
    87600,
    'how long a mutation outcome is kept to answer retries of it',
  ),
  pruneIntervalMs: int('PRUNE_INTERVAL_MS', 3_600_000, 1000, 86_400_000, 'how often retention is applied'),
  deltaMaxChanges: int(
    'DELTA_MAX_CHANGES',
    1000,
    1,
    1_000_000,
    'a resume that missed more changes than this gets a full snapshot instead',
  ),
  periodsStart: text('PERIODS_START', '2025-01', 'YYYY-MM: month whose 21st starts default period 0'),
  periodsAhead: int('PERIODS_AHEAD', 12, 0, 240, 'default periods listed beyond the current one'),
  compression: bool(
    'COMPRESSION',
    true,
    "negotiate permessage-deflate (a connection's own messages of 1 KiB and more are compressed; a fan-out pass's frame from 256 bytes, once for all subscribers)",
  ),
  dbPoolSize: int('DB_POOL_SIZE', 10, 1, 1000, 'PostgreSQL connections per process'),
  feedPollIntervalMs: int(
    'FEED_POLL_INTERVAL_MS',
    250,
    20,
    60_000,
    'while the LISTEN connection to PostgreSQL is down, the change feed reads the change log this often',
  ),
  checkIntervalMs: int(
    'CHECK_INTERVAL_MS',
    0,
    0,
    604_800_000,
    'run the integrity check (staff-sync check) this often while serving; 0: never',
  ),
  logLevel: oneOf('LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'log level'),
  staticDir: optionalText('STATIC_DIR', 'folder of the web app to serve at / (default: the built app, when there is one)'),
  nodeEnv: text('NODE_ENV', 'development', 'production: refuse to start with sign-in off unless ALLOW_OPEN_ACCESS is set'),
  allowOpenAccess: bool(
    'ALLOW_OPEN_ACCESS',
    false,
    'with NODE_ENV=production, start even though sign-in is off (everyone edits the default restaurant)',
  ),
  authJwtSecret: secret(
    'AUTH_JWT_SECRET',
    "HS256 secret of the tokens (Supabase: the project's JWT secret); with AUTH_JWKS_URL or alone turns sign-in on",
  ),
  authJwksUrl: url(
    'AUTH_JWKS_URL',
    'JWKS of the token issuer (Supabase: https://<project>.supabase.co/auth/v1/.well-known/jwks.json); turns sign-in on',
  ),
  authIssuer: optionalText(
    'AUTH_ISSUER',
    'required `iss` of tokens (Supabase: https://<project>.supabase.co/auth/v1); unset: any issuer',
  ),
  authAudience: text(
    'AUTH_AUDIENCE',
    'authenticated',
    "required `aud` of tokens (Supabase's signed-in users have `authenticated`; its public anon key has none)",
  ),
  authRestaurantClaim: text(
    'AUTH_RESTAURANT_CLAIM',
    'app_metadata.restaurant_id',
    "the token claim (dotted path) naming the user's restaurant; a token without it is refused",
  ),
  authRoleClaim: text(
    'AUTH_ROLE_CLAIM',
    'app_metadata.staff_sync_role',
    'the token claim (dotted path) holding `viewer` (read only) or `editor`',
  ),
  authDefaultRole: oneOf('AUTH_DEFAULT_ROLE', 'viewer', ROLES, 'role of a token without the role claim'),
  authNameClaim: text(
    'AUTH_NAME_CLAIM',
    'user_metadata.name',
    'the token claim (dotted path) with the display name shown in presence',
  ),
  allowedOrigins: list(
    'ALLOWED_ORIGINS',
    'comma-separated origins (https://app.example.com) whose pages may connect; others get 403; unset: any',
  ),
  redisKeyPrefix: text(
    'REDIS_KEY_PREFIX',
    'staff-sync:',
    'prefix of every Redis key and channel (one Redis can serve several deployments)',
  ),
  presenceTtlMs: int(
    'PRESENCE_TTL_MS',
    15000,
    1000,
    600_000,
    "with Redis: how long a replica's presence entries outlive it when it dies",
  ),
  presenceLeaseMs: int(
    'PRESENCE_LEASE_MS',
    15000,
    1000,
    600_000,
    'presence set over the HTTP API (PUT /api/v1/presence) lasts this long unless renewed (the client renews every 5 s)',
  ),
  userRateLimitPerSecond: int(
    'USER_RATE_LIMIT_PER_SECOND',
    200,
    1,
    1_000_000,
    'messages per second per user over all connections (with Redis: over all replicas); excess gets RATE_LIMITED',
  ),
  userRateLimitBurst: int(
    'USER_RATE_LIMIT_BURST',
    400,
    1,
    1_000_000,
    'messages a user may send at once before the per-user limit applies',
  ),
};

export type SettingKey = keyof typeof SETTINGS_TABLE;

/** The server's configuration: one value per setting, typed by the table. */
export type Config = { -readonly [K in SettingKey]: (typeof SETTINGS_TABLE)[K] extends Setting<infer T> ? T : never };

/** The settings in table order, each with its key. */
export const SETTINGS: readonly (Setting & { key: SettingKey })[] = Object.entries(SETTINGS_TABLE).map(([key, setting]) => ({
  ...setting,
  key: key as SettingKey,
}));

/** Settings whose values are never echoed: connection strings may hold passwords. */
export const HIDDEN_SETTINGS: ReadonlySet<string> = new Set([
  'DATABASE_URL',
  'REDIS_URL',
  ...SETTINGS.filter((s) => s.kind === 'secret').map((s) => s.env),
]);

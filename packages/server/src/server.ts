import type { AddressInfo } from 'node:net';
import { Suggester } from './assist/index.ts';
import type { Authenticator } from './auth/authenticator.ts';
import { authenticatorFor } from './auth/authenticator-for.ts';
import { seedSample } from './commands/sample.ts';
import type { Config } from './config/settings.ts';
import { Dispatcher } from './dispatch/dispatcher.ts';
import { MutationTimer } from './dispatch/mutation-timer.ts';
import { AssistedResolution } from './engine/assisted/assisted-resolution.ts';
import { ChangeFeed } from './engine/change-feed.ts';
import { SyncEngine } from './engine/sync-engine.ts';
import { Hub } from './fanout/hub.ts';
import { localUserRateLimiter, redisUserRateLimiter } from './limits/user-rate-limit.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { CheckSchedule } from './ops/check-schedule.ts';
import { RefusalLog } from './ops/refusal-log.ts';
import { Presence } from './presence/local-presence.ts';
import type { PresenceService } from './presence/presence-service.ts';
import { RedisPresence } from './presence/redis-presence.ts';
import { connectRedis } from './redis.ts';
import { pruneOld } from './storage/change-log.ts';
import type { Db } from './storage/db.ts';
import { migrate, pendingMigrations } from './storage/migrate.ts';
import { openDatabase } from './storage/open.ts';
import { createHttpApi } from './transport/http/http-api.ts';
import { createHttpServer, type HttpDeps } from './transport/http/http-server.ts';
import { createStaticApp, staticDirFor } from './transport/http/static-app.ts';
import { WsGateway } from './transport/ws/ws-gateway.ts';
import { SERVER_VERSION } from './version.ts';

export interface ServerOptions {
  logger?: Logger;
  /** Decides who connects; default: from the configuration (JWTs when a secret or JWKS is set, else open access). */
  auth?: Authenticator;
  /** Extra HTTP routes (API, web app). */
  routes?: HttpDeps['routes'];
  /** Run the integrity check once the server listens (`serve --check`). */
  checkAtStart?: boolean;
}

export interface RunningServer {
  readonly port: number;
  readonly url: string;
  readonly db: Db;
  readonly metrics: Metrics;
  readonly engine: SyncEngine;
  readonly log: Logger;
  /** Fill the default restaurant with the sample roster and schedule, when it has no members. */
  seedSample(): Promise<void>;
  /** Drain and stop: refuse new work, finish in-flight mutations, close sockets with 1012, close the database. */
  shutdown(): Promise<void>;
}

const withTimeout = <T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> =>
  Promise.race([promise, new Promise<T>((resolve) => setTimeout(() => resolve(fallback), ms).unref())]);

/** Open the database, migrate, and serve HTTP and WebSocket on the configured port. */
export async function startServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  const log = options.logger ?? createLogger(config.logLevel);
  // Checked before the database opens: a STATIC_DIR without an app is a setup mistake to report at once.
  const appDir = staticDirFor(config.staticDir);
  const metrics = createMetrics();
  const startedAt = Date.now();
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    dbPoolSize: config.dbPoolSize,
    onNotice: (message) => log.debug({ notice: message }, 'database notice'),
    onListenRetry: (error, retryInMs) =>
      log.debug({ error: String(error), retryInMs: Math.round(retryInMs) }, 'change feed listener could not reconnect yet'),
  });
  try {
    const applied = await migrate(db);
    log.info({ database: db.kind, applied }, applied.length ? 'migrations applied' : 'schema is current');
  } catch (error) {
    await db.close();
    throw error;
  }

  const feed = new ChangeFeed(db, log, metrics, { pollIntervalMs: config.feedPollIntervalMs });
  await feed.start();
  const hub = new Hub(feed, metrics, { fanoutIntervalMs: config.fanoutIntervalMs });
  // Redis, when configured, shares presence and per-user rate limits between replicas.
  const redis = config.redisUrl
    ? await connectRedis(config.redisUrl, config.redisKeyPrefix, log, metrics).catch(async (error: unknown) => {
        await feed.stop();
        await db.close();
        throw error;
      })
    : undefined;
  const presence: PresenceService = redis ? new RedisPresence(redis, hub, config.presenceTtlMs) : new Presence(hub);
  const userLimiter = redis ? redisUserRateLimiter(redis, config) : localUserRateLimiter(config);
  const engine = new SyncEngine(db, config, metrics, log, (restaurantId, seq) => feed.noteCommitted(restaurantId, seq));
  // Suggested resolutions of conflicts (docs/assist.md): learned from the recorded decisions.
  const suggester = new Suggester({
    store: db,
    threshold: config.assistConfidence,
    learning: config.assistLearning,
    implicitAcceptMs: config.assistImplicitAcceptMs,
  });
  await suggester.start().catch((error: unknown) => {
    // The prior is rebuilt per restaurant on demand too: start without it rather than not at all.
    log.warn({ err: error }, 'assisted resolution could not load the recorded decisions at start');
  });
  engine.useAssist(new AssistedResolution(db, suggester, metrics, log, config.conflictStrategy));
  const auth = options.auth ?? authenticatorFor(config);
  // An applied mutation is timed from its arrival (dispatcher) to its fan-out (hub).
  const timer = new MutationTimer((type, seconds) => metrics.messageDuration.observe({ type }, seconds));
  hub.onPublished((change) => timer.finish(MutationTimer.key(change.restaurantId, change.clientId, change.sequenceNumber)));
  const refusals = new RefusalLog(log, metrics);
  const dispatcher = new Dispatcher({
    engine,
    userLimiter,
    timer,
    metrics,
    refusals,
    settings: config,
    serverVersion: SERVER_VERSION,
  });
  const gateway = new WsGateway({ settings: config, dispatcher, feed, hub, presence, auth, metrics, log, refusals });
  // The HTTP API (docs/http-api.md): the same dispatcher, Authenticator and hub as the WebSocket.
  const api = createHttpApi({
    settings: config,
    dispatcher,
    engine,
    hub,
    presence,
    auth,
    metrics,
    log,
    refusals,
    draining: () => gateway.draining,
    seedSample: (restaurantId) => seedSample(db, restaurantId, config),
  });

  const databaseUp = () =>
    withTimeout(
      db.query('select 1').then(
        () => true,
        () => false,
      ),
      2000,
      false,
    );
  const http = createHttpServer({
    metrics,
    log,
    serverVersion: SERVER_VERSION,
    startedAt,
    activeConnections: () => gateway.activeConnections,
    draining: () => gateway.draining,
    databaseUp,
    changeFeed: () => feed.status(),
    pendingMigrations: () => pendingMigrations(db),
    // The web app comes last: it answers unknown GET paths with index.html (client-side routes).
    routes: [api.route, ...(options.routes ?? []), ...(appDir ? [createStaticApp(appDir).route] : [])],
  });
  http.on('upgrade', (request, socket, head) => {
    gateway.handleUpgrade(request, socket, head).catch((error: unknown) => {
      log.error({ err: error }, 'upgrade failed');
      socket.destroy();
    });
  });
  http.on('clientError', (_error, socket) => socket.destroy());

  const prune = async () => {
    try {
      const removed = await pruneOld(db, config.changelogRetentionHours, config.dedupeRetentionHours);
      metrics.pruned.inc({ table: 'changes' }, removed.changes);
      metrics.pruned.inc({ table: 'mutations' }, removed.mutations);
      if (removed.changes || removed.mutations) log.info(removed, 'retention applied');
    } catch (error) {
      metrics.databaseErrors.inc({ operation: 'prune' });
      log.warn({ err: error }, 'retention pass failed; will try again');
    }
  };
  void prune();
  const pruneTimer = setInterval(prune, config.pruneIntervalMs);
  pruneTimer.unref();

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, config.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const url = `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${port}`;
  log.info(
    {
      port,
      database: db.kind,
      strategy: config.conflictStrategy,
      signIn: auth.enabled,
      redis: redis !== undefined,
      webApp: appDir ?? null,
    },
    `staff-sync listening on ${url}`,
  );

  const checks = new CheckSchedule(db, log, metrics, {
    atStart: options.checkAtStart ?? false,
    intervalMs: config.checkIntervalMs,
    changelogRetentionHours: config.changelogRetentionHours,
    dedupeRetentionHours: config.dedupeRetentionHours,
  });
  checks.start();

  let stopping: Promise<void> | undefined;
  const shutdown = () => {
    stopping ??= (async () => {
      log.info('shutting down: draining connections');
      clearInterval(pruneTimer);
      const checkStopped = checks.stop();
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      await gateway.drain(config.shutdownTimeoutMs);
      api.close();
      http.closeAllConnections();
      await withTimeout(closed, 2000, undefined);
      presence.stop();
      userLimiter.stop();
      await redis?.close();
      await feed.stop();
      await checkStopped;
      await db.close();
      log.info('stopped');
    })();
    return stopping;
  };

  const seed = (restaurantId: string) => seedSample(db, restaurantId, config);
  const sampleDefault = async () => {
    const made = await seed(config.defaultRestaurantId);
    if (made.members > 0) log.info(made, 'sample restaurant made: a roster and the current period’s schedule');
    else log.info('the restaurant has members already; no sample made');
  };
  return { port, url, db, metrics, engine, log, shutdown, seedSample: sampleDefault };
}

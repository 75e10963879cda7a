import { Redis } from 'ioredis';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';

/**
 * Redis connections for what replicas share (presence, per-user rate limits). Commands time out
 * after a second instead of queueing while Redis is away: each user of Redis here has an answer
 * for a failed command (let the message through, keep the local presence) and must not stall.
 */
export interface RedisLink {
  /** Commands and scripts. */
  readonly client: Redis;
  /** Subscriptions (a connection in subscribe mode cannot run other commands). */
  readonly subscriber: Redis;
  readonly prefix: string;
  /** Count and log (at most every 10 s) a failed Redis operation. */
  failed(operation: string, error: unknown): void;
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 5000;

export async function connectRedis(url: string, prefix: string, log: Logger, metrics: Metrics): Promise<RedisLink> {
  const options = {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: 1000,
    maxRetriesPerRequest: 1,
    // Keep v5's reply shapes: the scripts here return plain arrays and integers.
    protocol: 2 as const,
  };
  const client = new Redis(url, options);
  const subscriber = new Redis(url, { ...options, commandTimeout: undefined });
  let lastLogged = 0;
  const failed = (operation: string, error: unknown) => {
    metrics.redisErrors.inc({ operation });
    if (Date.now() - lastLogged < 10_000) return;
    lastLogged = Date.now();
    log.warn({ err: error, operation }, 'Redis operation failed; going on without it');
  };
  for (const connection of [client, subscriber]) connection.on('error', (error) => failed('connection', error));
  try {
    await Promise.all([client.connect(), subscriber.connect()]);
  } catch (error) {
    client.disconnect();
    subscriber.disconnect();
    // The URL may hold a password: name the setting, not its value.
    throw new Error(`REDIS_URL: could not connect to Redis: ${error instanceof Error ? error.message : String(error)}`);
  }
  log.info({ prefix }, 'Redis connected: presence and per-user rate limits are shared across replicas');
  return {
    client,
    subscriber,
    prefix,
    failed,
    async close() {
      await Promise.allSettled([client.quit(), subscriber.quit()]);
    },
  };
}

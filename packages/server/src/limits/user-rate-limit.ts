import type { RedisLink } from '../redis.ts';
import { TokenBucket } from './token-bucket.ts';

/** A rate limit per user over all of that user's connections. */
export interface UserRateLimiter {
  /** Take one message's token for `key`; false when the user is over the limit. */
  take(key: string): boolean | Promise<boolean>;
  stop(): void;
}

export interface UserRateLimits {
  userRateLimitPerSecond: number;
  userRateLimitBurst: number;
}

/** One process: a token bucket per user, forgotten once it has refilled (so the map stays bounded by active users). */
export function localUserRateLimiter(limits: UserRateLimits): UserRateLimiter {
  const buckets = new Map<string, { bucket: TokenBucket; usedAt: number }>();
  const refillMs = (limits.userRateLimitBurst / limits.userRateLimitPerSecond) * 1000;
  const sweeper = setInterval(
    () => {
      const idleSince = performance.now() - refillMs;
      for (const [key, entry] of buckets) if (entry.usedAt < idleSince) buckets.delete(key);
    },
    Math.max(1000, refillMs),
  );
  sweeper.unref();
  return {
    take(key) {
      let entry = buckets.get(key);
      if (!entry) {
        entry = { bucket: new TokenBucket(limits.userRateLimitPerSecond, limits.userRateLimitBurst), usedAt: 0 };
        buckets.set(key, entry);
      }
      entry.usedAt = performance.now();
      return entry.bucket.take();
    },
    stop: () => clearInterval(sweeper),
  };
}

/**
 * The same token bucket kept in Redis, so a user's budget is shared by every replica. Redis's own
 * clock dates the refill (replicas' clocks may differ); the key expires once the bucket would be
 * full again. When Redis does not answer, the message is let through: the per-connection limit
 * still protects the process.
 */
const TAKE_TOKEN = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - at) * rate / 1000)
local ok = 0
if tokens >= 1 then
  tokens = tokens - 1
  ok = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return ok
`;

export function redisUserRateLimiter(redis: RedisLink, limits: UserRateLimits): UserRateLimiter {
  const rate = String(limits.userRateLimitPerSecond);
  const burst = String(limits.userRateLimitBurst);
  // defineCommand runs the script by its hash (EVALSHA) and loads it when Redis does not know it.
  redis.client.defineCommand('staffSyncTakeToken', { numberOfKeys: 1, lua: TAKE_TOKEN });
  const client = redis.client as unknown as { staffSyncTakeToken(key: string, rate: string, burst: string): Promise<number> };
  return {
    async take(key) {
      try {
        return (await client.staffSyncTakeToken(`${redis.prefix}rate:${key}`, rate, burst)) === 1;
      } catch (error) {
        redis.failed('rate_limit', error);
        return true;
      }
    },
    stop() {},
  };
}

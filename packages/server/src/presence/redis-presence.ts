import type { PresenceEntry } from '@staff-sync/protocol';
import type { RedisLink } from '../redis.ts';
import type { PresenceAudience, PresenceMember, PresenceService } from './presence-service.ts';

/** How long a burst of presence changes is gathered before one PRESENCE goes out (as in one process). */
const BROADCAST_DELAY_MS = 50;

// Per restaurant: a hash of entries by connection id and a sorted set of their expiry times (ms,
// Redis's clock). Redis 7.0 has no per-field expiry, hence the pair. Every write renews both keys'
// TTL, so a restaurant nobody looks at any more leaves nothing behind.
const SET_ENTRY = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
if ARGV[2] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('ZADD', KEYS[2], now + ttl, ARGV[1])
end
redis.call('PEXPIRE', KEYS[1], ttl * 4)
redis.call('PEXPIRE', KEYS[2], ttl * 4)
return 1
`;

const LIST_ENTRIES = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for _, field in ipairs(expired) do
  redis.call('HDEL', KEYS[1], field)
  redis.call('ZREM', KEYS[2], field)
end
return redis.call('HVALS', KEYS[1])
`;

interface Commands {
  staffSyncPresenceSet(hash: string, expiry: string, field: string, value: string, ttlMs: number): Promise<number>;
  staffSyncPresenceList(hash: string, expiry: string): Promise<string[]>;
}

/**
 * Presence shared by every replica through Redis. Each replica writes its own connections'
 * entries, renews them every third of PRESENCE_TTL_MS, and publishes the restaurant's id on a
 * channel after each change; every replica then sends the restaurant's whole list to its own
 * connections. Entries of a replica that died stop being renewed and expire; the periodic
 * re-read notices and sends the shorter list.
 */
export class RedisPresence implements PresenceService {
  readonly #redis: RedisLink;
  readonly #commands: Commands;
  readonly #audience: PresenceAudience;
  readonly #ttlMs: number;
  readonly #channel: string;
  /** This process's entries, by connection id, for renewal. */
  readonly #own = new Map<string, { restaurantId: string; value: string }>();
  /** The list last sent to this process's members, by restaurant (fingerprint). */
  readonly #lastSent = new Map<string, string>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #renewal: NodeJS.Timeout;

  constructor(redis: RedisLink, audience: PresenceAudience, ttlMs: number) {
    this.#redis = redis;
    this.#audience = audience;
    this.#ttlMs = ttlMs;
    this.#channel = `${redis.prefix}presence`;
    redis.client.defineCommand('staffSyncPresenceSet', { numberOfKeys: 2, lua: SET_ENTRY });
    redis.client.defineCommand('staffSyncPresenceList', { numberOfKeys: 2, lua: LIST_ENTRIES });
    this.#commands = redis.client as unknown as Commands;
    redis.subscriber.subscribe(this.#channel).catch((error: unknown) => redis.failed('presence_subscribe', error));
    redis.subscriber.on('message', (channel: string, restaurantId: string) => {
      if (channel === this.#channel) this.#schedule(restaurantId);
    });
    this.#renewal = setInterval(() => this.#renew(), Math.max(200, Math.floor(ttlMs / 3)));
    this.#renewal.unref();
  }

  set(member: PresenceMember, clientId: string, staffId: string | null, userName: string, dateKey?: string): void {
    const { restaurantId, id } = member.info;
    const before = this.#own.get(id);
    if (staffId === null) {
      if (!before) return;
      this.#own.delete(id);
      void this.#write(restaurantId, id, '');
      return;
    }
    const entry: PresenceEntry = dateKey ? { clientId, userName, staffId, dateKey } : { clientId, userName, staffId };
    const value = JSON.stringify(entry);
    if (before?.value === value) return;
    this.#own.set(id, { restaurantId, value });
    void this.#write(restaurantId, id, value);
  }

  remove(member: PresenceMember): void {
    if (!this.#own.delete(member.info.id)) return;
    void this.#write(member.info.restaurantId, member.info.id, '');
  }

  expire(member: PresenceMember): void {
    // No longer renewed here: its entry runs out after PRESENCE_TTL_MS unless renewed elsewhere.
    this.#own.delete(member.info.id);
  }

  async list(restaurantId: string): Promise<PresenceEntry[]> {
    return (await this.#list(restaurantId)) ?? [];
  }

  greet(member: PresenceMember): void {
    this.#list(member.info.restaurantId).then((editors) => {
      if (editors && editors.length > 0) member.send('PRESENCE', { editors });
    });
  }

  stop(): void {
    clearInterval(this.#renewal);
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #keys(restaurantId: string): [string, string] {
    return [`${this.#redis.prefix}presence:${restaurantId}`, `${this.#redis.prefix}presence-expiry:${restaurantId}`];
  }

  async #write(restaurantId: string, connectionId: string, value: string): Promise<void> {
    try {
      await this.#commands.staffSyncPresenceSet(...this.#keys(restaurantId), connectionId, value, this.#ttlMs);
      await this.#redis.client.publish(this.#channel, restaurantId);
    } catch (error) {
      this.#redis.failed('presence_write', error);
    }
  }

  async #list(restaurantId: string): Promise<PresenceEntry[] | undefined> {
    try {
      const values = await this.#commands.staffSyncPresenceList(...this.#keys(restaurantId));
      return values.sort().map((v) => JSON.parse(v) as PresenceEntry);
    } catch (error) {
      this.#redis.failed('presence_read', error);
      return undefined;
    }
  }

  #schedule(restaurantId: string): void {
    if (this.#timers.has(restaurantId)) return;
    const timer = setTimeout(() => {
      this.#timers.delete(restaurantId);
      void this.#broadcast(restaurantId);
    }, BROADCAST_DELAY_MS);
    timer.unref();
    this.#timers.set(restaurantId, timer);
  }

  /** Send the restaurant's list to this process's members when it differs from what they last got. */
  async #broadcast(restaurantId: string): Promise<void> {
    const members = [...this.#audience.subscribers(restaurantId)];
    if (members.length === 0) {
      this.#lastSent.delete(restaurantId);
      return;
    }
    const editors = await this.#list(restaurantId);
    if (!editors) return;
    const fingerprint = JSON.stringify(editors);
    if (this.#lastSent.get(restaurantId) === fingerprint) return;
    this.#lastSent.set(restaurantId, fingerprint);
    for (const member of members) member.send('PRESENCE', { editors });
  }

  #renew(): void {
    for (const [connectionId, { restaurantId, value }] of this.#own) {
      this.#commands
        .staffSyncPresenceSet(...this.#keys(restaurantId), connectionId, value, this.#ttlMs)
        .catch((error: unknown) => this.#redis.failed('presence_renew', error));
    }
    // Entries of a replica that stopped renewing expire; re-reading finds the change.
    const served = new Set(this.#audience.restaurants());
    for (const restaurantId of served) void this.#broadcast(restaurantId);
    for (const restaurantId of this.#lastSent.keys()) if (!served.has(restaurantId)) this.#lastSent.delete(restaurantId);
  }
}

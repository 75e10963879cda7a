import { randomUUID } from 'node:crypto';
import type { ChangePayload, StaffMutationMessage } from '@staff-sync/protocol';
import { waitFor } from '@staff-sync/test-support/delivery';
import { availableDrivers } from '@staff-sync/test-support/drivers';
import { createTestDatabase } from '@staff-sync/test-support/services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMutation } from '../src/engine/apply-mutation.ts';
import { ChangeFeed } from '../src/engine/change-feed.ts';
import type { ChangeRecord } from '../src/engine/collections/collection.ts';
import { createLogger } from '../src/logger.ts';
import { createMetrics } from '../src/metrics.ts';
import type { Db } from '../src/storage/db.ts';
import { migrate } from '../src/storage/migrate.ts';
import { openPgliteDb } from '../src/storage/pglite-db.ts';
import { openPostgresDb } from '../src/storage/postgres-db.ts';
import { ManualClock, settle } from './support/manual-clock.ts';

const [driver] = (await availableDrivers()).reverse(); // PostgreSQL where there is one (faster to open)

/**
 * The change feed while its LISTEN connection is down, on a real database: the connection's loss
 * is played by the test (the database's `listen` is wrapped so that the test decides when it is
 * lost and back, and no notification arrives meanwhile), the poll runs on a manual clock. The
 * restart of a real PostgreSQL under it is database-restart.test.ts.
 */
describe(`change feed without LISTEN (${driver})`, () => {
  let db: Db;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    if (driver === 'postgres') {
      const database = await createTestDatabase('feed-outage');
      db = await openPostgresDb(database.url, { max: 2 });
      cleanup = async () => {
        await db.close();
        await database.drop();
      };
    } else {
      db = await openPgliteDb('memory://');
      cleanup = () => db.close();
    }
    await migrate(db);
  });
  afterAll(() => cleanup?.());

  const clientId = randomUUID();
  let sequenceNumber = 0;
  async function create(restaurantId: string, name: string): Promise<number> {
    const message = {
      type: 'STAFF_CREATE',
      payload: { name, position: 'ホール' },
      clientId,
      sequenceNumber: ++sequenceNumber,
      timestamp: '',
    };
    const outcome = await applyMutation(db, { restaurantId, strategy: 'merge' }, message as StaffMutationMessage);
    if (outcome.type !== 'ACK') throw new Error(JSON.stringify(outcome));
    return outcome.payload.seq;
  }

  it('is not following until a poll succeeds; then delivers by polling, and what this replica commits at once', async () => {
    const restaurant = randomUUID();
    const clock = new ManualClock();
    let listening = true;
    let lose: () => void = () => {};
    let regain: () => void = () => {};
    const wrapped: Db = {
      ...db,
      listen: async (channel, onPayload, onReady, onLost) => {
        lose = () => {
          listening = false;
          onLost?.();
        };
        regain = () => {
          listening = true;
          onReady?.();
        };
        return db.listen(channel, (payload) => listening && onPayload(payload), onReady);
      },
    };
    const metrics = createMetrics();
    const feed = new ChangeFeed(wrapped, createLogger('silent'), metrics, { pollIntervalMs: 250, clock });
    const seen: ChangeRecord[] = [];
    feed.onChange((c) => seen.push(c));
    await feed.start();
    await feed.follow(restaurant);
    expect(feed.status()).toEqual({ listening: true, following: true, behind: 0 });

    lose();
    expect(feed.status()).toMatchObject({ listening: false, following: false });
    expect((await metrics.registry.getSingleMetricAsString('staff_sync_change_feed_listening')).split('\n').at(-1)).toBe(
      'staff_sync_change_feed_listening 0',
    );
    // A writer elsewhere (another replica, a SQL console): no notification reaches this feed.
    await db.query(`insert into staff (restaurant_id, name, position) values ($1, 'Elsewhere', 'ホール')`, [restaurant]);
    await settle();
    expect(seen).toEqual([]);
    await clock.advance(0); // the first poll (its query takes real time)
    await waitFor(() => seen.length === 1, 10_000, 'the poll to deliver');
    expect(seen.map((c) => (c.payload as ChangePayload).staff?.name)).toEqual(['Elsewhere']);
    expect(feed.status()).toEqual({ listening: false, following: true, behind: 0 });

    // A change this replica commits is delivered without waiting for a poll.
    const seq = await create(restaurant, 'Here');
    feed.noteCommitted(restaurant, seq);
    await feed.settled(restaurant);
    expect(seen.map((c) => [c.seq, (c.payload as ChangePayload).staff?.name])).toEqual([
      [1, 'Elsewhere'],
      [2, 'Here'],
    ]);

    // LISTEN back: no more polls, and what came meanwhile is read once, in order.
    await db.query(`insert into staff (restaurant_id, name, position) values ($1, 'Meanwhile', 'ホール')`, [restaurant]);
    regain();
    await waitFor(() => seen.length === 3, 10_000, 'the catch-up after LISTEN is back');
    expect(clock.pending()).toEqual([]);
    expect(feed.status()).toEqual({ listening: true, following: true, behind: 0 });
    await create(restaurant, 'Sentinel'); // by notification again
    await waitFor(() => seen.length === 4, 10_000, 'the sentinel');
    expect(seen.map((c) => [c.seq, (c.payload as ChangePayload).staff?.name])).toEqual([
      [1, 'Elsewhere'],
      [2, 'Here'],
      [3, 'Meanwhile'],
      [4, 'Sentinel'],
    ]);
    await feed.stop();
  });
});

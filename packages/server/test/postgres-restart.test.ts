import { waitFor } from '@staff-sync/test-support/delivery';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresDb } from '../src/storage/postgres-db.ts';
import { type PgCluster, pgBinAvailable, startPgCluster } from './support/pg-cluster.ts';

const ready = await pgBinAvailable();

/** The PostgreSQL driver across a restart of a database of the test's own. */
describe.skipIf(!ready)('PostgreSQL driver across a database restart', () => {
  let pg: PgCluster;
  beforeAll(async () => {
    pg = await startPgCluster();
  });
  afterAll(() => pg?.destroy());

  it('the LISTEN connection comes back on its own and says so; notifications flow again', async () => {
    const db = await openPostgresDb(pg.url);
    const events: string[] = [];
    const payloads: string[] = [];
    const unlisten = await db.listen(
      'restart_test',
      (payload) => payloads.push(payload),
      () => events.push('ready'),
      () => events.push('lost'),
    );
    expect(events).toEqual(['ready']);
    await pg.stop();
    await waitFor(() => events.includes('lost'), 30_000, 'the listener to notice');
    await pg.start();
    await waitFor(() => events.length === 3, 30_000, 'the listener to come back');
    expect(events).toEqual(['ready', 'lost', 'ready']);
    // The LISTEN is in place again: a notification sent now arrives.
    const notifier = postgres(pg.url, { max: 1, onnotice: () => {} });
    await notifier`select pg_notify('restart_test', 'after')`;
    await notifier.end();
    await waitFor(() => payloads.includes('after'), 30_000, 'a notification after the restart');
    await unlisten();
    await db.close();
  }, 120_000);

  it('close() after a restart that failed queries under way does not wait for them again', async () => {
    // A close timeout far beyond the test's: before the fix, postgres.js waited it out for a
    // connection that still held a query the restart had already failed.
    const db = await openPostgresDb(pg.url, { max: 10, closeTimeoutMs: 3_600_000 });
    const sleeping = Array.from({ length: 8 }, () => db.query('select pg_sleep(60)').catch((error: unknown) => error));
    await waitFor(
      async () =>
        (await db.query<{ n: number }>(`select count(*)::int as n from pg_stat_activity where query = 'select pg_sleep(60)'`))[0]
          ?.n === 8,
      30_000,
      'eight statements under way',
    );
    await pg.stop();
    for (const result of await Promise.all(sleeping)) expect(result).toBeInstanceOf(Error);
    await pg.start();
    await waitFor(
      () =>
        db.query('select 1').then(
          () => true,
          () => false,
        ),
      30_000,
      'the pool to reconnect',
    );
    await db.close();
  }, 60_000);
});

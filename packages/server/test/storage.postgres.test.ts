import { describe, it } from 'vitest';
import { openPostgresDb } from '../src/storage/postgres-db.ts';
import { defineScheduleSuite } from './schedule.suite.ts';
import { defineStorageSuite } from './storage.suite.ts';
import { createTestDatabase, postgresAvailable } from './support/services.ts';

if (await postgresAvailable()) {
  defineStorageSuite('PostgreSQL', async () => {
    const database = await createTestDatabase('storage');
    const db = await openPostgresDb(database.url);
    return {
      db,
      close: async () => {
        await db.close();
        await database.drop();
      },
    };
  });
  defineScheduleSuite('PostgreSQL', async () => {
    const database = await createTestDatabase('schedule');
    const db = await openPostgresDb(database.url);
    return {
      db,
      close: async () => {
        await db.close();
        await database.drop();
      },
    };
  });
} else {
  describe.skip('storage on PostgreSQL (not reachable on this machine)', () => it('skipped', () => {}));
}

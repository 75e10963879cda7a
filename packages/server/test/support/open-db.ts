import type { Driver } from '@staff-sync/test-support/drivers';
import { newPgliteDir } from '@staff-sync/test-support/pglite-template';
import { createTestDatabase } from '@staff-sync/test-support/services';
import type { Db } from '../../src/storage/db.ts';
import { openPgliteDb } from '../../src/storage/pglite-db.ts';
import { openPostgresDb } from '../../src/storage/postgres-db.ts';

/**
 * A fresh, empty database of `driver` opened in this process (PGlite: a copy of an initialized
 * empty folder, test-support's pglite-template); `close` closes it (and drops PostgreSQL's).
 */
export async function openDb(driver: Driver, label: string): Promise<{ db: Db; close: () => Promise<void> }> {
  if (driver === 'pglite') {
    const db = await openPgliteDb(await newPgliteDir('staff-sync-db-'));
    return { db, close: () => db.close() };
  }
  const database = await createTestDatabase(label);
  const db = await openPostgresDb(database.url);
  return {
    db,
    close: async () => {
      await db.close();
      await database.drop();
    },
  };
}

import type { Driver } from '@staff-sync/test-support/drivers';
import { createTestDatabase } from '@staff-sync/test-support/services';
import type { Db } from '../../src/storage/db.ts';
import { openPgliteDb } from '../../src/storage/pglite-db.ts';
import { openPostgresDb } from '../../src/storage/postgres-db.ts';

/** A fresh, empty database of `driver` opened in this process (PGlite in memory); `close` drops it. */
export async function openDb(driver: Driver, label: string): Promise<{ db: Db; close: () => Promise<void> }> {
  if (driver === 'pglite') {
    const db = await openPgliteDb('memory://');
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

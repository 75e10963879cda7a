import { openPgliteDb } from '../src/storage/pglite-db.ts';
import { defineStorageSuite } from './storage.suite.ts';

defineStorageSuite('PGlite', async () => {
  const db = await openPgliteDb('memory://');
  return { db, close: () => db.close() };
});

import { openPgliteDb } from '../src/storage/pglite-db.ts';
import { defineScheduleSuite } from './schedule.suite.ts';
import { defineStorageSuite } from './storage.suite.ts';

defineStorageSuite('PGlite', async () => {
  const db = await openPgliteDb('memory://');
  return { db, close: () => db.close() };
});

defineScheduleSuite('PGlite', async () => {
  const db = await openPgliteDb('memory://');
  return { db, close: () => db.close() };
});

import { newPgliteDir } from '@staff-sync/test-support/pglite-template';
import { openPgliteDb } from '../src/storage/pglite-db.ts';
import { defineScheduleSuite } from './schedule.suite.ts';
import { defineStorageSuite } from './storage.suite.ts';

defineStorageSuite('PGlite', async () => {
  const db = await openPgliteDb('memory://');
  return { db, close: () => db.close() };
});

// The storage suite runs on PGlite in memory (DATA_DIR=memory://), the schedule's on a folder.
defineScheduleSuite('PGlite', async () => {
  const db = await openPgliteDb(await newPgliteDir('staff-sync-schedule-db-'));
  return { db, close: () => db.close() };
});

import { postgresAvailable } from '@staff-sync/test-support/services';
import { describe, it } from 'vitest';
import { defineScheduleSuite } from './schedule.suite.ts';
import { defineStorageSuite } from './storage.suite.ts';
import { openDb } from './support/open-db.ts';

if (await postgresAvailable()) {
  defineStorageSuite('PostgreSQL', () => openDb('postgres', 'storage'));
  defineScheduleSuite('PostgreSQL', () => openDb('postgres', 'schedule'));
} else {
  describe.skip('storage on PostgreSQL (not reachable on this machine)', () => it('skipped', () => {}));
}

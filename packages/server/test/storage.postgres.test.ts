import { describe, it } from 'vitest';
import { defineScheduleSuite } from './schedule.suite.ts';
import { defineStorageSuite } from './storage.suite.ts';
import { openDb } from './support/drivers.ts';
import { postgresAvailable } from './support/services.ts';

if (await postgresAvailable()) {
  defineStorageSuite('PostgreSQL', () => openDb('postgres', 'storage'));
  defineScheduleSuite('PostgreSQL', () => openDb('postgres', 'schedule'));
} else {
  describe.skip('storage on PostgreSQL (not reachable on this machine)', () => it('skipped', () => {}));
}

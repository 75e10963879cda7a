import { SyncEngine } from '../../src/engine/sync-engine.ts';
import { createLogger } from '../../src/logger.ts';
import { createMetrics, type Metrics } from '../../src/metrics.ts';
import type { Db } from '../../src/storage/db.ts';
import { migrate } from '../../src/storage/migrate.ts';

/**
 * The engine on a database of a test's own, migrated, with metrics of its own and no log: merge
 * strategy, periods from January 2025, and grouping of concurrent mutations on (64), so that
 * tests that send mutations together go through group commit.
 */
export async function engineOn(db: Db): Promise<{ engine: SyncEngine; metrics: Metrics }> {
  await migrate(db);
  const metrics = createMetrics();
  const settings = {
    conflictStrategy: 'merge' as const,
    deltaMaxChanges: 1000,
    periodsStart: '2025-01',
    periodsAhead: 2,
    groupCommitMax: 64,
  };
  return { engine: new SyncEngine(db, settings, metrics, createLogger('silent')), metrics };
}

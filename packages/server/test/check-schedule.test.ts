import { waitFor } from '@staff-sync/test-support/delivery';
import { availableDrivers, type DriverServer, serverOn } from '@staff-sync/test-support/drivers';
import { metricValue } from '@staff-sync/test-support/metrics';
import { ResilientClient } from '@staff-sync/test-support/resilient-client';
import { afterAll, describe, expect, it } from 'vitest';

const RESTAURANT = '00000000-0000-0000-0000-000000000001'; // sign-in off: everyone's restaurant
const [driver] = (await availableDrivers()).reverse(); // PostgreSQL where there is one: a SQL session beside the server

/** The integrity check inside a running server: `serve --check` at start, CHECK_INTERVAL_MS after. */
describe(`the integrity check in a running server (${driver})`, () => {
  let db: DriverServer;
  afterAll(() => db?.cleanup());

  it('runs at start with --check and on the schedule; its metrics and log say what it found', async () => {
    db = await serverOn(driver as 'pglite' | 'postgres', 'check-schedule', {
      args: ['--check'],
      env: { CHECK_INTERVAL_MS: '1000' },
    });
    const { server } = db;
    await waitFor(() => server.output().includes('integrity check passed'), 60_000, 'the check at start');
    expect(await metricValue(server.url, 'staff_sync_integrity_findings')).toBe(0);
    expect(await metricValue(server.url, 'staff_sync_integrity_last_run_timestamp_seconds')).toBeGreaterThan(0);

    const client = new ResilientClient(server.wsUrl);
    await client.start();
    await client.mutate('STAFF_CREATE', { name: 'A', position: 'ホール' });
    await client.stop();
    if (driver !== 'postgres') return; // the embedded database has no second session to break it with
    // A counter moved behind the server's back: the next scheduled run finds it.
    await db.query('update staff_sync_counters set seq = seq + 5 where restaurant_id = $1', [RESTAURANT]);
    await waitFor(async () => (await metricValue(server.url, 'staff_sync_integrity_findings')) === 1, 60_000, 'the finding');
    expect(server.output()).toContain('integrity check found problems');
    expect(server.output()).toContain('the change log ends at seq 1 but the counter says 6');
  }, 120_000);
});

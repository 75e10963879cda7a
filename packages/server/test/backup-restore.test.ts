import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { waitFor } from '@staff-sync/test-support/delivery';
import { availableDrivers, serverOn } from '@staff-sync/test-support/drivers';
import { newPgliteDir } from '@staff-sync/test-support/pglite-template';
import { ResilientClient } from '@staff-sync/test-support/resilient-client';
import { runCli, type ServerProcess, startServerProcess } from '@staff-sync/test-support/server-process';
import { createTestDatabase } from '@staff-sync/test-support/services';
import { TestClient } from '@staff-sync/test-support/ws-client';
import { afterAll, describe, expect, it } from 'vitest';
import { SNAPSHOT_TABLES } from '../src/ops/collections.ts';
import { runIntegrityCheck } from '../src/ops/integrity-check.ts';
import { restoreBackup, restoreFromFile } from '../src/ops/restore.ts';
import { openPgliteDb } from '../src/storage/pglite-db.ts';
import { openPostgresDb } from '../src/storage/postgres-db.ts';

const drivers = await availableDrivers();
const CHECK_OPTIONS = { changelogRetentionHours: 168, dedupeRetentionHours: 720 };

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, env, 120_000);

/** Every table of the backup, row by row, as the database renders it. */
async function contents(query: (text: string) => Promise<unknown[]>): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = {};
  for (const { table, orderBy } of SNAPSHOT_TABLES) {
    const rows = (await query(`select to_jsonb(t)::text as r from ${table} t order by ${orderBy}`)) as { r: string }[];
    result[table] = rows.map((row) => row.r);
  }
  return result;
}

/**
 * Backup and restore through the CLI on each driver, with a real server and client: the restored
 * database has the same seq, versions and rows (and change log and dedupe table), the integrity
 * check passes on it, and a client that was connected to the old server resumes on the new one
 * by sinceSeq, without a full reload.
 */
describe.each(drivers)('backup and restore on %s', (driver) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('restores the same seq, versions and rows into an empty database, and clients resume by sinceSeq', async () => {
    const source = await serverOn(driver, 'backup-src');
    cleanups.push(() => source.cleanup());
    const client = new ResilientClient(source.server.wsUrl);
    cleanups.push(() => client.stop());
    await client.start();
    const ids: string[] = [];
    for (const name of ['A', 'B', 'C'])
      ids.push((await client.mutate('STAFF_CREATE', { name, position: 'ホール' })).payload.staffId as string);
    await client.mutate('STAFF_UPDATE', { staffId: ids[0], changes: { order: 5 } });
    await client.mutate('STAFF_UPDATE', { staffId: ids[0], changes: { name: 'A2' } });
    await client.mutate('STAFF_DELETE', { staffId: ids[1] });
    await waitFor(() => client.lastSeq === 6, 30_000, 'the client at seq 6');
    const sourceEnv: Record<string, string> = source.databaseUrl
      ? { DATABASE_URL: source.databaseUrl }
      : { DATA_DIR: source.server.dataDir };

    // The embedded database has one process per folder: its server stops first. PostgreSQL is backed up live.
    const port = source.server.port;
    if (driver === 'pglite') await source.server.stop();
    const folder = mkdtempSync(join(tmpdir(), 'staff-sync-backup-'));
    const file = join(folder, 'backup.jsonl.gz');
    const backup = cli(['backup', '--out', file], sourceEnv);
    expect(backup.stderr).toBe('');
    expect(backup.status).toBe(0);
    expect(backup.stdout).toContain('backup: staff_sync_changes: 6 rows');
    expect(backup.stdout).toContain(`backup: wrote ${file}`);
    if (driver === 'postgres') await source.server.stop();
    const before = await contents((text) => source.query(text));

    const target = driver === 'postgres' ? await createTestDatabase('backup-dst') : undefined;
    if (target) cleanups.push(() => target.drop());
    const targetEnv: Record<string, string> = target
      ? { DATABASE_URL: target.url }
      : { DATA_DIR: await newPgliteDir('staff-sync-restored-') };
    const restore = cli(['restore', file], targetEnv);
    expect(restore.stderr).toBe('');
    expect(restore.status).toBe(0);
    expect(restore.stdout).toContain('restore: staff: 3 rows');
    // The CLI's check passes on the restored database (on PGlite it runs below, in-process: one
    // opening of the embedded database less, which is slow on a loaded machine).
    if (driver === 'postgres') {
      const check = cli(['check'], targetEnv);
      expect(check.stdout).toContain('result: OK');
      expect(check.status).toBe(0);
    }

    // The restored server on the old one's port: the connected client reconnects and resumes.
    const restored: ServerProcess = await startServerProcess({
      port,
      env: target ? { DATABASE_URL: target.url } : {},
      dataDir: targetEnv.DATA_DIR,
    });
    cleanups.push(() => restored.stop());
    await waitFor(() => client.connects === 2 && client.live, 60_000, 'the client back on the restored server');
    expect(client.fullResyncs).toBe(0);
    expect(client.anomalies).toEqual([]);
    // New changes continue the seq; the client gets them live.
    await client.mutate('STAFF_UPDATE', { staffId: ids[2], changes: { order: 7 } });
    await waitFor(() => client.lastSeq === 7, 30_000, 'the client at seq 7');
    expect(client.roster.get(ids[0] as string)).toMatchObject({ name: 'A2', order: 5, version: 3 });

    // A client further behind gets a delta, not a snapshot.
    const behind = await TestClient.connect(restored.wsUrl);
    const response = await behind.sync({ sinceSeq: 3 });
    expect(response).toMatchObject({ type: 'SYNC_RESPONSE', seq: 7, payload: { full: false } });
    expect((response.payload as { changes: { seq: number }[] }).changes.map((c) => c.seq)).toEqual([4, 5, 6, 7]);
    await behind.close();

    await restored.stop();
    const restoredDb = target ? await openPostgresDb(target.url, { max: 1 }) : await openPgliteDb(restored.dataDir);
    cleanups.push(() => restoredDb.close());
    const after = await contents((text) => restoredDb.query(text));
    expect((await runIntegrityCheck(restoredDb, CHECK_OPTIONS)).findings).toEqual([]);
    // A second restore into the now full database is refused and changes nothing.
    await expect(restoreFromFile(restoredDb, file, () => {})).rejects.toThrow('restore needs an empty database');
    expect(await contents((text) => restoredDb.query(text))).toEqual(after);
    // Equal as they were, plus the one change made after the restore.
    for (const { table } of SNAPSHOT_TABLES) {
      if (table === 'staff_sync_changes' || table === 'staff_sync_mutations')
        expect(after[table]?.slice(0, before[table]?.length)).toEqual(before[table]);
      else if (table !== 'staff' && table !== 'staff_sync_counters') expect(after[table]).toEqual(before[table]);
    }
    expect(after.staff_sync_changes).toHaveLength(7);
    expect(after.staff?.filter((row) => !row.includes(ids[2] as string))).toEqual(
      before.staff?.filter((row) => !row.includes(ids[2] as string)),
    );
  }, 300_000);

  it('refuses a file that is not a backup, is cut short, or names an unknown table or column, and writes nothing', async () => {
    const target = driver === 'postgres' ? await createTestDatabase('backup-bad') : undefined;
    if (target) cleanups.push(() => target.drop());
    const db = target ? await openPostgresDb(target.url, { max: 1 }) : await openPgliteDb('memory://');
    cleanups.push(() => db.close());
    const header = JSON.stringify({ format: 'staff-sync-backup', version: 1, migrations: [], tables: [] });
    const counter = JSON.stringify({ table: 'staff_sync_counters', row: { restaurant_id: 'r', seq: 1 } });
    const cases: [string, string[]][] = [
      ['not a staff-sync backup', ['[{"name": "A"}]']],
      ['the backup is cut short', [header, counter]],
      ['the file holds 1', [header, counter, JSON.stringify({ end: true, counts: { staff_sync_counters: 2 } })]],
      ['unknown table "pg_authid"', [header, JSON.stringify({ table: 'pg_authid', row: {} })]],
      [
        'a column "seq; drop table staff"',
        [
          header,
          JSON.stringify({ table: 'staff_sync_counters', row: { 'seq; drop table staff': 1 } }),
          JSON.stringify({ end: true, counts: {} }),
        ],
      ],
      ['from a newer schema', [JSON.stringify({ format: 'staff-sync-backup', version: 1, migrations: ['999_future.sql'] })]],
    ];
    for (const [message, lines] of cases) {
      await expect(
        restoreBackup(db, Readable.from(lines.map((l) => `${l}\n`)), () => {}),
        message,
      ).rejects.toThrow(message);
    }
    const report = await runIntegrityCheck(db, CHECK_OPTIONS);
    expect(report.restaurants).toEqual([]);
    expect((await db.query<{ n: number }>('select count(*)::int as n from staff_sync_counters'))[0]?.n).toBe(0);
  }, 120_000);
});

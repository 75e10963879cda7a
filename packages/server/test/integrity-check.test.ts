import { randomUUID } from 'node:crypto';
import { envelope, type ShiftMutationMessage, type StaffMutationMessage } from '@staff-sync/protocol';
import { availableDrivers, type Driver } from '@staff-sync/test-support/drivers';
import { createTestDatabase } from '@staff-sync/test-support/services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMutation } from '../src/engine/apply-mutation.ts';
import { shiftCollection } from '../src/engine/collections/shift.ts';
import { type CheckReport, runIntegrityCheck } from '../src/ops/integrity-check.ts';
import { pruneOld } from '../src/storage/change-log.ts';
import type { Db } from '../src/storage/db.ts';
import { migrate } from '../src/storage/migrate.ts';
import { openPgliteDb } from '../src/storage/pglite-db.ts';
import { openPostgresDb } from '../src/storage/postgres-db.ts';

const OPTIONS = { changelogRetentionHours: 168, dedupeRetentionHours: 720 };
const drivers = await availableDrivers();

async function open(driver: Driver): Promise<{ db: Db; cleanup: () => Promise<void> }> {
  if (driver === 'pglite') {
    const db = await openPgliteDb('memory://');
    await migrate(db);
    return { db, cleanup: () => db.close() };
  }
  const database = await createTestDatabase('check');
  const db = await openPostgresDb(database.url, { max: 2 });
  await migrate(db);
  return {
    db,
    cleanup: async () => {
      await db.close();
      await database.drop();
    },
  };
}

/** A history of every kind: creates, updates, a soft delete, a SQL write, a hard DELETE (10 changes). */
async function history(db: Db, R: string): Promise<{ ids: string[]; clientId: string }> {
  const clientId = randomUUID();
  let n = 0;
  const send = async (type: StaffMutationMessage['type'], payload: unknown) => {
    const message = { type, payload, clientId, sequenceNumber: ++n, timestamp: new Date().toISOString() } as StaffMutationMessage;
    const outcome = await applyMutation(db, { restaurantId: R, strategy: 'merge' }, message);
    expect(outcome.type).toBe('ACK');
    return outcome.payload as { staffId: string };
  };
  const ids: string[] = [];
  for (const name of ['A', 'B', 'C', 'D']) ids.push((await send('STAFF_CREATE', { name, position: 'ホール' })).staffId);
  await send('STAFF_UPDATE', { staffId: ids[0], changes: { order: 3 } });
  await send('STAFF_UPDATE', { staffId: ids[0], changes: { name: 'A2' }, version: 2 });
  await send('STAFF_DELETE', { staffId: ids[1] });
  // A repeat of an applied mutation: answered from the dedupe table, no second change.
  const repeat = { type: 'STAFF_UPDATE', payload: { staffId: ids[2], changes: { order: 9 } }, clientId, sequenceNumber: ++n };
  await applyMutation(db, { restaurantId: R, strategy: 'merge' }, { ...repeat, timestamp: '' } as StaffMutationMessage);
  await applyMutation(db, { restaurantId: R, strategy: 'merge' }, { ...repeat, timestamp: '' } as StaffMutationMessage);
  await db.query(`update staff set color = '#123456' where id = $1`, [ids[2]]); // a writer beside the server
  await db.query('delete from staff where id = $1', [ids[3]]); // a hard delete of an active row
  return { ids, clientId };
}

/** One restaurant's findings or notes (each test writes its own restaurant into the shared database). */
const messages = (report: CheckReport, kind: 'findings' | 'notes', restaurantId: string) =>
  report[kind].filter((p) => p.restaurantId === restaurantId).map((p) => `${p.area}: ${p.message}`);

describe.each(drivers)('staff-sync check on %s', (driver) => {
  let db: Db;
  let cleanup: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ db, cleanup } = await open(driver));
  });
  afterAll(() => cleanup?.());

  it('finds nothing in a consistent history of every kind of write, and proves every version', async () => {
    const R = 'restaurant-consistent';
    await history(db, R);
    const report = await runIntegrityCheck(db, OPTIONS);
    expect(messages(report, 'findings', R)).toEqual([]);
    expect(messages(report, 'notes', R)).toEqual([]);
    expect(report.restaurants.filter((r) => r.restaurantId === R)).toEqual([
      {
        restaurantId: R,
        counter: 10,
        log: { rows: 10, from: 1, to: 10 },
        collections: [{ name: 'staff', rows: 3, proven: 3, unproven: 0 }],
        dedupeRows: 8,
      },
    ]);
  });

  it('reports each kind of inconsistency by restaurant, area and member', async () => {
    const R = 'restaurant-broken';
    const { ids, clientId } = await history(db, R);
    // A row changed with the triggers off: it no longer equals its last logged state.
    await db.exec('alter table staff disable trigger user');
    await db.query(`update staff set name = 'tampered' where id = $1`, [ids[0]]);
    await db.exec('alter table staff enable trigger user');
    // A change taken out of the middle of the log (seq 2 is C's create).
    await db.query('delete from staff_sync_changes where restaurant_id = $1 and seq = 2', [R]);
    // A claimed mutation without its outcome.
    await db.query('update staff_sync_mutations set outcome = null where restaurant_id = $1 and sequence_number = 1', [R]);
    // The counter ahead of the log.
    await db.query('update staff_sync_counters set seq = seq + 2 where restaurant_id = $1', [R]);

    const report = await runIntegrityCheck(db, OPTIONS);
    expect(messages(report, 'findings', R)).toEqual([
      'seq: the change log ends at seq 10 but the counter says 12',
      'seq: seq 2 is missing from the change log',
      `staff: ${ids[0]} differs from its last logged state in name`,
      `dedupe: client ${clientId} #1 is claimed without an outcome`,
    ]);
    // B lost its create: its count can no longer be proven, which the check says rather than guess.
    expect(messages(report, 'notes', R)).toEqual([
      'staff: 1 row(s) have only their later versions in the log (pruned, or adopted): counts not provable',
    ]);
  });

  it('checks the schedule’s cells as a collection: consistent through server, document and SQL writes; a tampered cell is found', async () => {
    const R = 'restaurant-schedule';
    const { ids } = await history(db, R);
    const [a, b] = [ids[0] as string, ids[2] as string];
    const cells = envelope(
      'SHIFT_BULK_UPDATE',
      { periodIndex: 0, scheduleData: { [a]: { '2025-01-22': '×', '2025-01-23': '△' }, [b]: { '2025-01-22': '' } } },
      'tab-s',
      1,
    ) as ShiftMutationMessage;
    const periodSettings = { periodsStart: '2025-01', periodsAhead: 2 };
    const outcome = await shiftCollection.apply(db, { restaurantId: R, strategy: 'merge', periodSettings }, cells);
    expect(outcome.type).toBe('ACK');
    // The old app rewrites the document; a console clears one cell.
    await db.query(
      `update schedules set schedule_data = jsonb_set(schedule_data, array[$2, '2025-01-24'], '"★"') where restaurant_id = $1`,
      [R, a],
    );
    await db.query(`update schedule_cells set value = null where restaurant_id = $1 and staff_id = $2`, [R, b]);
    const clean = await runIntegrityCheck(db, OPTIONS);
    expect(messages(clean, 'findings', R)).toEqual([]);
    expect(clean.restaurants.find((r) => r.restaurantId === R)?.collections).toContainEqual({
      name: 'shift',
      rows: 4,
      proven: 4,
      unproven: 0,
    });
    await db.exec('alter table schedule_cells disable trigger user');
    await db.query(
      `update schedule_cells set value = 'tampered' where restaurant_id = $1 and staff_id = $2 and date = '2025-01-22'`,
      [R, a],
    );
    await db.exec('alter table schedule_cells enable trigger user');
    const broken = await runIntegrityCheck(db, OPTIONS);
    expect(messages(broken, 'findings', R)).toEqual([`shift: ${a}/2025-01-22 differs from its last logged state in value`]);
  });

  it('says what retention pruning makes unprovable as notes, not findings; a change missing above it is a finding', async () => {
    const R = 'restaurant-pruned';
    await history(db, R);
    // The first five changes are older than the retention, and the retention pass removes them.
    await db.query(
      `update staff_sync_changes set created_at = now() - interval '200 hours' where restaurant_id = $1 and seq <= 5`,
      [R],
    );
    expect((await pruneOld(db, 168, 720)).changes).toBe(5);
    const pruned = await runIntegrityCheck(db, OPTIONS);
    expect(messages(pruned, 'findings', R)).toEqual([]);
    expect(messages(pruned, 'notes', R)).toEqual([
      'seq: changes through seq 5 were pruned by retention: the counts before them cannot be proven',
      'staff: 4 row(s) have only their later versions in the log (pruned, or adopted): counts not provable',
    ]);

    // A change missing just above what retention pruned is a finding all the same.
    await db.query(`delete from staff_sync_changes where restaurant_id = $1 and seq = 6`, [R]);
    const cut = await runIntegrityCheck(db, OPTIONS);
    expect(messages(cut, 'findings', R)).toEqual([
      'seq: seq 6 missing from the start of the change log (retention pruned through 5)',
    ]);
  });
});

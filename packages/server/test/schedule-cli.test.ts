import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newPgliteDir } from '@staff-sync/test-support/pglite-template';
import { runCli } from '@staff-sync/test-support/server-process';
import { describe, expect, it } from 'vitest';
import { openPgliteDb } from '../src/storage/pglite-db.ts';

const run = (args: string[], env: Record<string, string> = {}) => runCli(args, env, 240_000);

describe('import-schedule and export-schedule', () => {
  it("adopt the app's schedule documents into cells, once, and give them back in the app's shape", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'staff-sync-schedule-cli-'));
    const env = { DATA_DIR: await newPgliteDir('staff-sync-schedule-cli-data-') };
    expect(run(['migrate'], env).status).toBe(0);

    // The app's data as it stands before staff-sync: members, a schedule document without a
    // restaurant or period of its own, and its period assignments.
    const [a, b, scheduleId] = [randomUUID(), randomUUID(), randomUUID()];
    const document = {
      [a]: { '2025-04-21': '×', '2025-04-22': '△' },
      [b]: { '2025-04-21': '○' },
      'not-a-member-id': { '2025-04-21': '×' },
    };
    const db = await openPgliteDb(env.DATA_DIR);
    try {
      await db.query(
        `insert into staff (id, restaurant_id, name, position, status) values ($1, 'r1', '山田', '調理', '社員'), ($2, 'r1', '佐藤', 'ホール', 'パート')`,
        [a, b],
      );
      await db.query('insert into schedules (id, schedule_data) values ($1, $2::text::jsonb)', [
        scheduleId,
        JSON.stringify(document),
      ]);
      await db.query('insert into schedule_staff_assignments values ($1, $2, 3), ($1, $3, 3)', [scheduleId, a, b]);
    } finally {
      await db.close();
    }

    const imported = run(['import-schedule'], env);
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stderr).toContain('1 adopted (3 cells changed), 0 skipped');
    expect(run(['import-schedule'], env).stderr).toContain('1 adopted (0 cells changed), 0 skipped');

    const check = await openPgliteDb(env.DATA_DIR);
    try {
      const cells = await check.query<{ staff_id: string; date: string; value: string; version: number }>(
        `select staff_id, to_char(date, 'YYYY-MM-DD') as date, value, version from schedule_cells order by staff_id, date`,
      );
      expect(cells).toHaveLength(3);
      expect(cells.every((c) => c.version === 1)).toBe(true);
      const [schedule] = await check.query<{ restaurant_id: string; period_index: number }>(
        'select restaurant_id, period_index from schedules where id = $1',
        [scheduleId],
      );
      expect(schedule).toEqual({ restaurant_id: 'r1', period_index: 3 });
      const seqs = await check.query<{ seq: string; collection: string; client_id: string }>(
        `select seq, collection, client_id from staff_sync_changes where restaurant_id = 'r1' and collection = 'shift'`,
      );
      expect(seqs.map((s) => s.client_id)).toEqual(['database', 'database', 'database']);
    } finally {
      await check.close();
    }

    const out = join(dir, 'schedules.json');
    const exported = run(['export-schedule', '--out', out, '--restaurant', 'r1'], env);
    expect(exported.status, exported.stderr).toBe(0);
    const { schedules } = JSON.parse(readFileSync(out, 'utf8'));
    expect(schedules).toEqual([
      { id: scheduleId, restaurantId: 'r1', periodIndex: 3, scheduleData: { [a]: document[a], [b]: document[b] } },
    ]);
    expect(run(['export-schedule', '--bogus'], env).stderr).toContain('unknown option --bogus');
  });
});

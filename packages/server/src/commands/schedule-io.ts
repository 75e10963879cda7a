import { writeFile } from 'node:fs/promises';
import { periodIndexOf, type ScheduleData } from '@staff-sync/protocol';
import type { Config } from '../config/settings.ts';
import { periodsFor } from '../engine/periods.ts';
import type { Db } from '../storage/db.ts';
import { migrate } from '../storage/migrate.ts';
import { openDatabase } from '../storage/open.ts';

interface ScheduleRow {
  id: string;
  restaurant_id: string | null;
  period_index: number | null;
  schedule_data: unknown;
}

export interface ScheduleImportResult {
  /** Schedules whose cells now say what their document says. */
  adopted: number;
  /** Cells that changed while adopting. */
  cells: number;
  /** Schedules left alone, with the reason printed. */
  skipped: number;
}

const documentOf = (raw: unknown): ScheduleData => (typeof raw === 'string' ? JSON.parse(raw) : raw) as ScheduleData;

/** The restaurant a schedule belongs to: its own, the one given, or its assigned members'. */
async function restaurantOf(db: Db, row: ScheduleRow, given: string | undefined): Promise<string | undefined> {
  if (row.restaurant_id) return row.restaurant_id;
  if (given) return given;
  const ids = Object.keys(documentOf(row.schedule_data) ?? {});
  const found = await db.query<{ restaurant_id: string }>(
    `select s.restaurant_id from staff s
      where s.id in (select staff_id from schedule_staff_assignments where schedule_id = $1)
         or s.id::text = any($2::text[])
      group by s.restaurant_id order by count(*) desc limit 1`,
    [row.id, ids],
  );
  return found[0]?.restaurant_id;
}

/** The period a schedule covers: its own, its assignments', else the one most of its dates lie in. */
async function periodOf(db: Db, config: Config, row: ScheduleRow, restaurantId: string): Promise<number | undefined> {
  if (row.period_index !== null) return row.period_index;
  const assigned = await db.query<{ period_index: number }>(
    `select period_index from schedule_staff_assignments where schedule_id = $1
      group by period_index order by count(*) desc limit 1`,
    [row.id],
  );
  if (assigned[0]) return Number(assigned[0].period_index);
  const periods = await periodsFor(db, restaurantId, config);
  const votes = new Map<number, number>();
  for (const cells of Object.values(documentOf(row.schedule_data) ?? {})) {
    for (const date of Object.keys(cells ?? {})) {
      const index = periodIndexOf(periods, date);
      if (index >= 0) votes.set(index, (votes.get(index) ?? 0) + 1);
    }
  }
  return [...votes.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

/**
 * `staff-sync import-schedule`: give each schedule document of the app's database a restaurant and
 * a period (from its assignments, or its members and dates), then make its cells say what it says.
 * Each changed cell is versioned and logged like any other writer's; running it again changes
 * nothing.
 */
export async function importSchedules(
  config: Config,
  restaurant: string | undefined,
  progress: (line: string) => void,
): Promise<ScheduleImportResult> {
  const db = await openDatabase(config);
  const result: ScheduleImportResult = { adopted: 0, cells: 0, skipped: 0 };
  try {
    await migrate(db);
    const rows = await db.query<ScheduleRow & Record<string, unknown>>(
      'select id, restaurant_id, period_index, schedule_data from schedules where $1::text is null or restaurant_id = $1 or restaurant_id is null order by created_at, id',
      [restaurant ?? null],
    );
    for (const [i, row] of rows.entries()) {
      const restaurantId = await restaurantOf(db, row, restaurant);
      const periodIndex = restaurantId === undefined ? undefined : await periodOf(db, config, row, restaurantId);
      if (restaurantId === undefined || periodIndex === undefined) {
        result.skipped++;
        progress(
          `schedule ${row.id}: skipped: no restaurant or period could be found (give --restaurant, or assign its members)`,
        );
        continue;
      }
      try {
        const cells = await db.transaction(async (tx) => {
          if (row.restaurant_id === null || row.period_index === null) {
            await tx.query('update schedules set restaurant_id = $2, period_index = $3 where id = $1', [
              row.id,
              restaurantId,
              periodIndex,
            ]);
          }
          const adopted = await tx.query<{ n: number }>('select staff_sync_adopt_schedule($1) as n', [row.id]);
          return Number(adopted[0]?.n ?? 0);
        });
        result.adopted++;
        result.cells += cells;
      } catch (error) {
        result.skipped++;
        progress(`schedule ${row.id}: skipped: ${(error as Error).message}`);
      }
      if ((i + 1) % 20 === 0) progress(`${i + 1}/${rows.length} schedules processed`);
    }
  } finally {
    await db.close();
  }
  progress(`import-schedule done: ${result.adopted} adopted (${result.cells} cells changed), ${result.skipped} skipped`);
  return result;
}

/**
 * `staff-sync export-schedule`: each schedule as the app's document, rebuilt from the cells, as
 * JSON; with `write`, also written back into `schedules.schedule_data` (which the triggers keep in
 * step anyway: this repairs a document edited outside both paths, or restored without its cells).
 */
export async function exportSchedules(
  config: Config,
  options: { restaurant: string | undefined; out: string | undefined; write: boolean },
  progress: (line: string) => void,
): Promise<number> {
  const db = await openDatabase(config);
  try {
    await migrate(db);
    const schedules = await db.query<{ id: string; restaurant_id: string; period_index: number }>(
      `select id, restaurant_id, period_index from schedules
        where restaurant_id is not null and ($1::text is null or restaurant_id = $1) order by restaurant_id, period_index`,
      [options.restaurant ?? null],
    );
    const cells = await db.query<{ schedule_id: string; staff_id: string; date: string; value: string }>(
      `select schedule_id, staff_id, to_char(date, 'YYYY-MM-DD') as date, value from schedule_cells
        where value is not null and schedule_id = any($1::uuid[]) order by schedule_id, staff_id, date`,
      [schedules.map((s) => s.id)],
    );
    const data = new Map<string, ScheduleData>(schedules.map((s) => [s.id, {}]));
    for (const cell of cells) {
      const doc = data.get(cell.schedule_id) as ScheduleData;
      doc[cell.staff_id] = { ...doc[cell.staff_id], [cell.date]: cell.value };
    }
    if (options.write) {
      await db.transaction(async (tx) => {
        // The document is written from the cells: it must not be read back into them.
        await tx.query(`select set_config('staff_sync.cell_write', 'on', true)`);
        for (const [id, doc] of data) {
          await tx.query('update schedules set schedule_data = $2::text::jsonb, updated_at = now() where id = $1', [
            id,
            JSON.stringify(doc),
          ]);
        }
      });
      progress(`wrote ${data.size} schedule documents from their cells`);
    }
    const text = `${JSON.stringify(
      {
        exportedAt: new Date().toISOString(),
        schedules: schedules.map((s) => ({
          id: s.id,
          restaurantId: s.restaurant_id,
          periodIndex: Number(s.period_index),
          scheduleData: data.get(s.id),
        })),
      },
      null,
      2,
    )}\n`;
    if (options.out) {
      await writeFile(options.out, text);
      progress(`exported ${schedules.length} schedules (${cells.length} cells) to ${options.out}`);
    } else process.stdout.write(text);
    return schedules.length;
  } finally {
    await db.close();
  }
}

import type { CellVersions, Period, ScheduleData } from '@staff-sync/protocol';
import { currentSeq } from './change-log.ts';
import type { Db } from './db.ts';

/** The schedule's reads. All parameterized. */

export interface ScheduleSnapshot {
  seq: number;
  scheduleId: string;
  scheduleData: ScheduleData;
  versions: CellVersions;
}

/**
 * A period's cells and the seq they reflect, read from one consistent snapshot: the values of the
 * cells that hold one, and the version of every cell ever written (a cleared one too).
 */
export async function readScheduleSnapshot(db: Db, restaurantId: string, period: Period): Promise<ScheduleSnapshot> {
  // The period's schedule row is made first, on its own: made inside the repeatable-read snapshot,
  // two screens opening a new period at once collide (40001, "could not serialize access").
  await db.query('select staff_sync_schedule_for($1, $2)', [restaurantId, period.index]);
  return db.transaction(async (tx) => {
    const seq = await currentSeq(tx, restaurantId);
    const [schedule] = await tx.query<{ id: string }>('select staff_sync_schedule_for($1, $2) as id', [
      restaurantId,
      period.index,
    ]);
    const rows = await tx.query<{ staff_id: string; date: string; value: string | null; version: number }>(
      `select staff_id, to_char(date, 'YYYY-MM-DD') as date, value, version from schedule_cells
        where restaurant_id = $1 and date between $2::date and $3::date order by staff_id, date`,
      [restaurantId, period.startDate, period.endDate],
    );
    const scheduleData: ScheduleData = {};
    const versions: CellVersions = {};
    for (const row of rows) {
      cellsOf(versions, row.staff_id)[row.date] = Number(row.version);
      if (row.value !== null) cellsOf(scheduleData, row.staff_id)[row.date] = row.value;
    }
    return { seq, scheduleId: String(schedule?.id), scheduleData, versions };
  }, 'repeatable read');
}

/** The member's cells in a `{ [staffId]: { [date]: x } }` map, made when missing. */
function cellsOf<T>(map: Record<string, Record<string, T>>, staffId: string): Record<string, T> {
  let cells = map[staffId];
  if (!cells) {
    cells = {};
    map[staffId] = cells;
  }
  return cells;
}

import { type Period, type StaffMember, type StaffRow, staffRowToMember } from '@staff-sync/protocol';
import { currentSeq } from './change-log.ts';
import type { Db, Queryable } from './db.ts';

/** The roster's reads besides `staff_sync_apply`. All parameterized. */

export interface Snapshot {
  seq: number;
  members: StaffMember[];
}

/** Active members and the seq they reflect, read from one consistent snapshot. */
export async function readSnapshot(db: Db, restaurantId: string): Promise<Snapshot> {
  return db.transaction(async (tx) => {
    const seq = await currentSeq(tx, restaurantId);
    const rows = await tx.query<StaffRow & Record<string, unknown>>(
      'select * from staff where restaurant_id = $1 and is_active order by staff_order, created_at, id',
      [restaurantId],
    );
    return { seq, members: rows.map(staffRowToMember) };
  }, 'repeatable read');
}

/** The restaurant's own periods, when it has any (else the caller uses the default periods). */
export async function readPeriods(q: Queryable, restaurantId: string): Promise<Period[]> {
  const rows = await q.query<{ start_date: string | Date; end_date: string | Date; label: string }>(
    `select to_char(start_date, 'YYYY-MM-DD') as start_date, to_char(end_date, 'YYYY-MM-DD') as end_date, label
     from schedule_periods where restaurant_id = $1 order by start_date`,
    [restaurantId],
  );
  return rows.map((r, index) => ({ index, startDate: String(r.start_date), endDate: String(r.end_date), label: r.label }));
}

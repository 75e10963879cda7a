import { randomUUID } from 'node:crypto';
import {
  type EmploymentStatus,
  envelope,
  type Period,
  periodDates,
  type StaffCreatePayload,
  type StaffMutationMessage,
  SYMBOLS_BY_STATUS,
} from '@staff-sync/protocol';
import { applyMutation } from '../engine/apply-mutation.ts';
import { shiftCollection } from '../engine/collections/shift.ts';
import { currentPeriodIndex, type PeriodSettings, periodsFor } from '../engine/periods.ts';
import type { Db } from '../storage/db.ts';

/** A small restaurant's roster: kitchen, hall and management, of every employment type. */
const ROSTER: (Pick<StaffCreatePayload, 'name' | 'position'> & {
  department: '調理' | 'ホール' | '管理';
  status: EmploymentStatus;
})[] = [
  { name: '山田 太郎', position: '料理長', department: '調理', status: '社員' },
  { name: '佐藤 健一', position: '副料理長', department: '調理', status: '社員' },
  { name: '鈴木 一郎', position: '調理師', department: '調理', status: '社員' },
  { name: '高橋 誠', position: '調理師', department: '調理', status: '派遣' },
  { name: '伊藤 大輔', position: '調理補助', department: '調理', status: 'パート' },
  { name: '渡辺 美咲', position: '調理補助', department: '調理', status: 'パート' },
  { name: '中村 さくら', position: 'ホール長', department: 'ホール', status: '社員' },
  { name: '小林 陽子', position: 'ホールスタッフ', department: 'ホール', status: '社員' },
  { name: '加藤 恵', position: 'ホールスタッフ', department: 'ホール', status: '派遣' },
  { name: '吉田 彩', position: 'ホールスタッフ', department: 'ホール', status: 'パート' },
  { name: '山本 翔', position: 'ホールスタッフ', department: 'ホール', status: 'パート' },
  { name: '松本 裕子', position: '店長', department: '管理', status: '社員' },
];

/**
 * A week's pattern for each status (index by day of the week, Sunday first): who works, who is
 * off, the early and late shifts. Varied by member so that the grid looks like a real rota.
 */
const PATTERN: Record<EmploymentStatus, string[]> = {
  社員: ['', '×', '', '△', '', 'late', ''],
  派遣: ['', '', '×', '', '△', '', '×'],
  パート: ['○', '×', '○', '×', '○', '⊘', '○'],
};

function valueFor(status: EmploymentStatus, member: number, date: string): string {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  const value = PATTERN[status][(weekday + member * 2) % 7] as string;
  return (SYMBOLS_BY_STATUS[status] as readonly string[]).includes(value) ? value : '×';
}

/**
 * Seed a sample restaurant for a newcomer: the roster above and the current period's schedule,
 * through the same mutation path as any client (versioned, logged, broadcast). Nothing happens
 * when the restaurant already has members. Returns the members created.
 */
export async function seedSample(
  db: Db,
  restaurantId: string,
  periodSettings: PeriodSettings,
  today = new Date(),
): Promise<{ members: number; cells: number; period: Period | undefined }> {
  const existing = await db.query<{ n: string | number }>(
    'select count(*) as n from staff where restaurant_id = $1 and is_active',
    [restaurantId],
  );
  if (Number(existing[0]?.n ?? 0) > 0) return { members: 0, cells: 0, period: undefined };
  const clientId = `sample-${randomUUID().slice(0, 8)}`;
  let n = 0;
  const ids: string[] = [];
  for (const [order, member] of ROSTER.entries()) {
    const id = randomUUID();
    const message = envelope('STAFF_CREATE', { id, ...member, order }, clientId, ++n) as StaffMutationMessage;
    const outcome = await applyMutation(db, { restaurantId, strategy: 'last-writer-wins' }, message);
    if (outcome.type !== 'ACK') throw new Error(`the sample roster could not be made: ${JSON.stringify(outcome.payload)}`);
    ids.push(id);
  }
  const periods = await periodsFor(db, restaurantId, periodSettings, today);
  const period = periods[currentPeriodIndex(periods, today)];
  if (!period) return { members: ids.length, cells: 0, period: undefined };
  const scheduleData: Record<string, Record<string, string>> = {};
  for (const [i, id] of ids.entries()) {
    const { status } = ROSTER[i] as (typeof ROSTER)[number];
    scheduleData[id] = Object.fromEntries(periodDates(period).map((date) => [date, valueFor(status, i, date)]));
  }
  const bulk = envelope('SHIFT_BULK_UPDATE', { periodIndex: period.index, scheduleData }, clientId, ++n);
  const outcome = await shiftCollection.apply(
    db,
    { restaurantId, strategy: 'last-writer-wins', periodSettings },
    bulk as Parameters<typeof shiftCollection.apply>[2],
  );
  if (outcome.type !== 'ACK') throw new Error(`the sample schedule could not be made: ${JSON.stringify(outcome.payload)}`);
  return { members: ids.length, cells: ids.length * periodDates(period).length, period };
}

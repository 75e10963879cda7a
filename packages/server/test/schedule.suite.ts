import { randomUUID } from 'node:crypto';
import {
  type ConflictStrategy,
  envelope,
  type ShiftAckPayload,
  type ShiftConflictPayload,
  type ShiftMutationMessage,
} from '@staff-sync/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMutation } from '../src/engine/apply-mutation.ts';
import { readChangesSince } from '../src/engine/changes.ts';
import type { MutationOutcome } from '../src/engine/collections/collection.ts';
import { shiftCollection } from '../src/engine/collections/shift.ts';
import type { Db } from '../src/storage/db.ts';
import { migrate } from '../src/storage/migrate.ts';
import { readScheduleSnapshot } from '../src/storage/schedule-queries.ts';

/**
 * The schedule's storage, run against every driver: cell versions, the restaurant's shared seq,
 * validation, bulk all-or-nothing, conflicts per cell under each strategy, and the app's schedule
 * documents kept in step with the cells both ways.
 */
export function defineScheduleSuite(name: string, open: () => Promise<{ db: Db; close: () => Promise<void> }>): void {
  describe(`schedule storage on ${name}`, () => {
    let db: Db;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ db, close } = await open());
      await migrate(db);
    });
    afterAll(async () => {
      await close();
    });

    // Period 0 of the default periods: 2025-01-21 .. 2025-02-20.
    const periodSettings = { periodsStart: '2025-01', periodsAhead: 2 };
    let counter = 0;
    const restaurant = () => `sched-${name}-${++counter}-${randomUUID().slice(0, 8)}`;
    const sequence = new Map<string, number>();
    const next = (clientId: string) => {
      const n = (sequence.get(clientId) ?? 0) + 1;
      sequence.set(clientId, n);
      return n;
    };
    const member = async (rid: string, fields: Record<string, unknown> = {}) => {
      const outcome = await applyMutation(
        db,
        { restaurantId: rid, strategy: 'merge' },
        envelope('STAFF_CREATE', { name: '山田', position: '調理', ...fields }, 'admin', next('admin')) as never,
      );
      if (outcome.type !== 'ACK') throw new Error(JSON.stringify(outcome));
      return outcome.payload.staffId;
    };
    const apply = (
      rid: string,
      type: ShiftMutationMessage['type'],
      payload: unknown,
      options: { strategy?: ConflictStrategy; clientId?: string; sequenceNumber?: number } = {},
    ): Promise<MutationOutcome> => {
      const clientId = options.clientId ?? 'tab-a';
      const message = envelope(type, payload, clientId, options.sequenceNumber ?? next(clientId)) as ShiftMutationMessage;
      return shiftCollection.apply(db, { restaurantId: rid, strategy: options.strategy ?? 'merge', periodSettings }, message);
    };
    const setCell = (
      rid: string,
      staffId: string,
      dateKey: string,
      shiftValue: string | null,
      extra: object = {},
      options = {},
    ) => apply(rid, 'SHIFT_UPDATE', { staffId, dateKey, shiftValue, ...extra }, options);
    const ack = (outcome: MutationOutcome): ShiftAckPayload => {
      if (outcome.type !== 'ACK') throw new Error(JSON.stringify(outcome));
      return outcome.payload as ShiftAckPayload;
    };
    const cells = (rid: string) =>
      db.query<{ staff_id: string; date: string; value: string | null; version: number }>(
        `select staff_id, to_char(date, 'YYYY-MM-DD') as date, value, version from schedule_cells where restaurant_id = $1 order by staff_id, date`,
        [rid],
      );
    const log = async (rid: string) =>
      (
        await db.query<{ seq: string | number; collection: string; client_id: string }>(
          'select seq, collection, client_id from staff_sync_changes where restaurant_id = $1 order by seq',
          [rid],
        )
      ).map((r) => [Number(r.seq), r.collection, r.client_id]);
    const documentOf = async (rid: string, periodIndex: number) =>
      (
        await db.query<{ schedule_data: unknown }>(
          'select schedule_data from schedules where restaurant_id = $1 and period_index = $2',
          [rid, periodIndex],
        )
      )[0]?.schedule_data;

    it('gives each cell its own version, bumped only by a real change, on the seq the roster uses', async () => {
      const rid = restaurant();
      const staffId = await member(rid);
      expect(ack(await setCell(rid, staffId, '2025-01-22', '×')).versions).toEqual({ [staffId]: { '2025-01-22': 1 } });
      expect(ack(await setCell(rid, staffId, '2025-01-22', '△', { version: 1 })).versions[staffId]?.['2025-01-22']).toBe(2);
      const same = ack(await setCell(rid, staffId, '2025-01-22', '△', { version: 2 }));
      expect(same).toMatchObject({ cells: 0, versions: { [staffId]: { '2025-01-22': 2 } } });
      expect(ack(await setCell(rid, staffId, '2025-01-22', null, { version: 2 })).versions[staffId]?.['2025-01-22']).toBe(3);
      await member(rid, { name: '佐藤' });
      expect(await cells(rid)).toEqual([{ staff_id: staffId, date: '2025-01-22', value: null, version: 3 }]);
      expect(await log(rid)).toEqual([
        [1, 'staff', 'admin'],
        [2, 'shift', 'tab-a'],
        [3, 'shift', 'tab-a'],
        [4, 'shift', 'tab-a'],
        [5, 'staff', 'admin'],
      ]);
      const delta = await readChangesSince(db, rid, 1, 100);
      expect(delta?.changes.map((c) => [c.seq, c.type, (c.payload as { shiftValue?: unknown }).shiftValue])).toEqual([
        [2, 'SHIFT_BROADCAST', '×'],
        [3, 'SHIFT_BROADCAST', '△'],
        [4, 'SHIFT_BROADCAST', null],
        [5, 'STAFF_CREATE', undefined],
      ]);
    });

    it('answers screens opening a new period at the same moment with one schedule, none refused', async () => {
      const rid = restaurant();
      const period = { index: 1, startDate: '2025-02-21', endDate: '2025-03-20', label: '2月・3月' };
      // Found by bench/load.ts --kind cells: concurrent first readers failed with 40001 on PostgreSQL.
      const snapshots = await Promise.all(Array.from({ length: 12 }, () => readScheduleSnapshot(db, rid, period)));
      expect(new Set(snapshots.map((s) => s.scheduleId)).size).toBe(1);
      expect(await db.query('select id from schedules where restaurant_id = $1', [rid])).toHaveLength(1);
    });

    it('refuses a symbol the status does not allow, a date the member is not employed on or outside the period, a long custom text, an unknown member: nothing written', async () => {
      const rid = restaurant();
      const part = await member(rid, { status: 'パート' });
      const leaver = await member(rid, { endPeriod: { year: 2025, month: 1, day: 31 } });
      const cases: [Promise<MutationOutcome>, string][] = [
        [setCell(rid, part, '2025-01-22', '△'), 'VALIDATION_FAILED'],
        [setCell(rid, part, '2025-01-22', ''), 'VALIDATION_FAILED'],
        [setCell(rid, leaver, '2025-02-03', '×'), 'VALIDATION_FAILED'],
        [setCell(rid, part, '2025-03-01', '○', { periodIndex: 0 }), 'VALIDATION_FAILED'],
        [setCell(rid, part, '2025-01-22', 'x'.repeat(21)), 'VALIDATION_FAILED'],
        [setCell(rid, part, '2025-01-22', '   '), 'VALIDATION_FAILED'],
        [setCell(rid, randomUUID(), '2025-01-22', '×'), 'NOT_FOUND'],
        [setCell(rid, part, '2025-01-22', '○', { periodIndex: 99 }), 'VALIDATION_FAILED'],
      ];
      for (const [outcome, code] of cases) expect((await outcome).payload).toMatchObject({ code });
      expect(await cells(rid)).toEqual([]);
      // The same member takes its own symbols and a custom text (trimmed).
      ack(await setCell(rid, part, '2025-01-22', '○'));
      ack(await setCell(rid, leaver, '2025-01-31', ' 研修 '));
      expect((await cells(rid)).map((c) => c.value).sort()).toEqual(['○', '研修']);
    });

    it('applies a bulk change all or nothing, its cells on consecutive seqs', async () => {
      const rid = restaurant();
      const a = await member(rid);
      const b = await member(rid, { status: 'パート' });
      const bad = await apply(rid, 'SHIFT_BULK_UPDATE', {
        periodIndex: 0,
        scheduleData: { [a]: { '2025-01-21': '×', '2025-01-22': '△' }, [b]: { '2025-01-21': '△' } },
      });
      expect(bad.payload).toMatchObject({
        code: 'VALIDATION_FAILED',
        fields: { [`payload.scheduleData.${b}.2025-01-21`]: expect.any(String) },
      });
      expect(await cells(rid)).toEqual([]);
      const dates = ['2025-01-21', '2025-01-22', '2025-01-23'];
      const good = ack(
        await apply(rid, 'SHIFT_BULK_UPDATE', {
          periodIndex: 0,
          scheduleData: {
            [a]: Object.fromEntries(dates.map((d) => [d, '×'])),
            [b]: Object.fromEntries(dates.map((d) => [d, '○'])),
          },
        }),
      );
      expect(good.cells).toBe(6);
      expect(await log(rid)).toEqual([
        [1, 'staff', 'admin'],
        [2, 'staff', 'admin'],
        ...[3, 4, 5, 6, 7, 8].map((seq) => [seq, 'shift', 'tab-a']),
      ]);
      expect(good.seq).toBe(8);
    });

    it('decides a stale cell edit by the strategy; under merge, only someone else’s change since the base conflicts', async () => {
      const rid = restaurant();
      const staffId = await member(rid);
      const day = '2025-01-24';
      ack(await setCell(rid, staffId, day, '×', { version: 0 }, { clientId: 'tab-a' }));
      // The same tab changes it again from the same base (its own change is no conflict).
      ack(await setCell(rid, staffId, day, '△', { version: 0 }, { clientId: 'tab-a' }));
      // Another tab changes it; tab-a's edit from version 2 now conflicts.
      ack(await setCell(rid, staffId, day, 'late', { version: 2 }, { clientId: 'tab-b' }));
      const conflict = await setCell(rid, staffId, day, '◎', { version: 2 }, { clientId: 'tab-a' });
      expect(conflict.type).toBe('CONFLICT');
      expect((conflict.payload as ShiftConflictPayload).cells).toEqual([
        { staffId, dateKey: day, baseVersion: 2, current: { shiftValue: 'late', version: 3 }, attempted: '◎' },
      ]);
      for (const strategy of ['first-writer-wins', 'user-choice'] as const) {
        expect((await setCell(rid, staffId, day, '◎', { version: 2 }, { strategy })).type).toBe('CONFLICT');
      }
      // Trying what the cell already holds is no conflict; last-writer-wins applies on top.
      expect((await setCell(rid, staffId, day, 'late', { version: 1 }, { clientId: 'tab-c' })).type).toBe('ACK');
      const lww = ack(await setCell(rid, staffId, day, '★', { version: 1 }, { strategy: 'last-writer-wins' }));
      expect(lww.versions[staffId]?.[day]).toBe(4);
      expect((await setCell(rid, staffId, day, '×', { version: 9 })).payload).toMatchObject({ code: 'VALIDATION_FAILED' });
    });

    it('answers a repeated change with its first outcome, applied once', async () => {
      const rid = restaurant();
      const staffId = await member(rid);
      const first = ack(await setCell(rid, staffId, '2025-01-25', '×', {}, { clientId: 'tab-r', sequenceNumber: 7 }));
      const again = ack(await setCell(rid, staffId, '2025-01-25', '×', {}, { clientId: 'tab-r', sequenceNumber: 7 }));
      expect(again).toEqual({ ...first, duplicate: true });
      expect(
        (await setCell(rid, staffId, '2025-01-25', '△', {}, { clientId: 'tab-r', sequenceNumber: 7 })).payload,
      ).toMatchObject({
        code: 'SEQUENCE_REUSED',
      });
      expect(await log(rid)).toHaveLength(2);
    });

    it('writes each cell change into the period’s schedule document, and takes a whole-document write as the cell changes it made', async () => {
      const rid = restaurant();
      const a = await member(rid);
      const b = await member(rid);
      ack(await setCell(rid, a, '2025-01-22', '×', { periodIndex: 0 }));
      ack(await setCell(rid, b, '2025-01-23', '', { periodIndex: 0 }));
      expect(await documentOf(rid, 0)).toEqual({ [a]: { '2025-01-22': '×' }, [b]: { '2025-01-23': '' } });
      ack(await setCell(rid, b, '2025-01-23', null, { periodIndex: 0 }));
      expect(await documentOf(rid, 0)).toEqual({ [a]: { '2025-01-22': '×' }, [b]: {} });
      const before = (await log(rid)).length;

      // The old app: read the document, set two cells, clear one, write the whole document back.
      const written = {
        [a]: { '2025-01-22': '△', '2025-01-24': '★' },
        [b]: { '2025-01-26': '×' },
        'not-a-member': { '2025-01-22': '×' },
        [randomUUID()]: { someday: '×' },
      };
      await db.query('update schedules set schedule_data = $1::text::jsonb where restaurant_id = $2 and period_index = 0', [
        JSON.stringify(written),
        rid,
      ]);
      expect(await documentOf(rid, 0)).toEqual(written); // the write stands as the app made it
      expect((await cells(rid)).filter((c) => c.staff_id === a || c.staff_id === b)).toEqual(
        [
          { staff_id: a, date: '2025-01-22', value: '△', version: 2 },
          { staff_id: a, date: '2025-01-24', value: '★', version: 1 },
          { staff_id: b, date: '2025-01-23', value: null, version: 2 },
          { staff_id: b, date: '2025-01-26', value: '×', version: 1 },
        ].sort((x, y) => (x.staff_id === y.staff_id ? x.date.localeCompare(y.date) : x.staff_id.localeCompare(y.staff_id))),
      );
      const after = await log(rid);
      expect(after.slice(before).map(([, collection, client]) => [collection, client])).toEqual([
        ['shift', 'database'],
        ['shift', 'database'],
        ['shift', 'database'],
      ]);
      expect(after.map(([seq]) => seq)).toEqual(after.map((_, i) => i + 1)); // gap-free
      // Writing the same document again changes nothing.
      await db.query(
        'update schedules set schedule_data = $1::text::jsonb, updated_at = now() where restaurant_id = $2 and period_index = 0',
        [JSON.stringify(written), rid],
      );
      expect(await log(rid)).toHaveLength(after.length);
    });

    it('writes a bulk change into the document once, whole; refuses a document that is no JSON object', async () => {
      const rid = restaurant();
      const a = await member(rid);
      const b = await member(rid, { status: 'パート' });
      ack(await setCell(rid, a, '2025-01-21', '×', { periodIndex: 0 }));
      const dates = ['2025-01-21', '2025-01-22', '2025-01-23'];
      ack(
        await apply(rid, 'SHIFT_BULK_UPDATE', {
          periodIndex: 0,
          scheduleData: {
            [a]: { '2025-01-21': null, '2025-01-22': '△', '2025-01-23': '★' },
            [b]: Object.fromEntries(dates.map((d) => [d, '○'])),
          },
        }),
      );
      const document = { [a]: { '2025-01-22': '△', '2025-01-23': '★' }, [b]: Object.fromEntries(dates.map((d) => [d, '○'])) };
      expect(await documentOf(rid, 0)).toEqual(document);
      const updates = await db.query<{ n: number }>(
        `select count(*)::int as n from staff_sync_changes where restaurant_id = $1 and collection = 'shift'`,
        [rid],
      );
      expect(updates[0]?.n).toBe(7); // the single cell, then the bulk's six (clearing a cell is a change too)

      // An app that writes JSON.stringify(data) as the value: a jsonb string, refused, nothing changed.
      const before = await log(rid);
      await expect(
        db.query('update schedules set schedule_data = to_jsonb($1::text) where restaurant_id = $2 and period_index = 0', [
          JSON.stringify(document),
          rid,
        ]),
      ).rejects.toThrow(/must be a JSON object/);
      expect(await documentOf(rid, 0)).toEqual(document);
      expect(await log(rid)).toEqual(before);
    });
  });
}

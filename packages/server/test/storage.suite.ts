import { randomUUID } from 'node:crypto';
import {
  type ChangePayload,
  type ConflictStrategy,
  envelope,
  type MutationMessage,
  type StaffChanges,
  type StaffMutationMessage,
} from '@staff-sync/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMutation, type MutationOutcome } from '../src/engine/apply-mutation.ts';
import { ChangeFeed } from '../src/engine/change-feed.ts';
import { readChangesSince } from '../src/engine/changes.ts';
import type { ChangeRecord } from '../src/engine/collections/collection.ts';
import { periodsFor } from '../src/engine/periods.ts';
import { createLogger } from '../src/logger.ts';
import { createMetrics } from '../src/metrics.ts';
import { pruneOld } from '../src/storage/change-log.ts';
import type { Db } from '../src/storage/db.ts';
import { migrate, pendingMigrations } from '../src/storage/migrate.ts';
import { readSnapshot } from '../src/storage/staff-queries.ts';
import { defineOwnChangesCases } from './storage-own-changes.cases.ts';

/** The staff event payload of a change record. */
const staffChange = (c: ChangeRecord | undefined) => c?.payload as ChangePayload;

/**
 * One storage suite, run against every driver (PGlite and PostgreSQL): migrations, triggers,
 * mutations with dedupe and every conflict strategy, snapshots, deltas, the change feed, retention.
 */
export function defineStorageSuite(name: string, open: () => Promise<{ db: Db; close: () => Promise<void> }>): void {
  describe(`storage on ${name}`, () => {
    let db: Db;
    let close: () => Promise<void>;
    const log = createLogger('silent');

    beforeAll(async () => {
      ({ db, close } = await open());
      await migrate(db);
    });
    afterAll(async () => {
      await close();
    });

    let counter = 0;
    const restaurant = () => `r-${name}-${++counter}-${randomUUID().slice(0, 8)}`;
    const clientSeq = new Map<string, number>();
    function mutation<T extends MutationMessage['type']>(type: T, payload: unknown, clientId = 'c1', sequenceNumber?: number) {
      const n = sequenceNumber ?? (clientSeq.get(clientId) ?? 0) + 1;
      clientSeq.set(clientId, Math.max(n, clientSeq.get(clientId) ?? 0));
      return envelope(type, payload, clientId, n) as Extract<MutationMessage, { type: T }>;
    }
    const apply = (rid: string, message: StaffMutationMessage, strategy: ConflictStrategy = 'merge') =>
      applyMutation(db, { restaurantId: rid, strategy }, message);
    async function create(rid: string, fields: Record<string, unknown> = {}) {
      const outcome = await apply(rid, mutation('STAFF_CREATE', { name: 'Taro', position: 'Chef', ...fields }));
      if (outcome.type !== 'ACK') throw new Error(`create failed: ${JSON.stringify(outcome)}`);
      return outcome.payload;
    }
    const update = (
      rid: string,
      staffId: string,
      changes: StaffChanges,
      version?: number,
      strategy?: ConflictStrategy,
      clientId?: string,
    ) =>
      apply(
        rid,
        mutation('STAFF_UPDATE', version === undefined ? { staffId, changes } : { staffId, changes, version }, clientId),
        strategy,
      );
    const changeLog = (rid: string) =>
      db.query<{ seq: number | string; op: string; client_id: string; version: number; changed: string[] }>(
        'select seq, op, client_id, version, changed from staff_sync_changes where restaurant_id = $1 order by seq',
        [rid],
      );

    it('migrates idempotently and reports nothing pending', async () => {
      expect(await migrate(db)).toEqual([]);
      expect(await pendingMigrations(db)).toEqual([]);
    });

    it('creates with version 1, seq 1, derived type and defaults', async () => {
      const rid = restaurant();
      const ack = await create(rid, { status: 'パート' });
      expect(ack).toMatchObject({ version: 1, seq: 1 });
      const { members, seq } = await readSnapshot(db, rid);
      expect(seq).toBe(1);
      expect(members).toHaveLength(1);
      expect(members[0]).toMatchObject({
        id: ack.staffId,
        name: 'Taro',
        department: '調理',
        status: 'パート',
        type: 'part-time',
        color: null,
        order: 0,
        startPeriod: null,
        endPeriod: null,
        isActive: true,
        version: 1,
      });
      expect(await changeLog(rid)).toMatchObject([{ op: 'STAFF_CREATE', client_id: 'c1', version: 1 }]);
    });

    it('keeps a client-proposed id and refuses a duplicate id without writing', async () => {
      const rid = restaurant();
      const id = randomUUID();
      await create(rid, { id });
      const again = await apply(rid, mutation('STAFF_CREATE', { id, name: 'X', position: 'Y' }));
      expect(again).toMatchObject({ type: 'ERROR', payload: { code: 'VALIDATION_FAILED' } });
      expect((await readSnapshot(db, rid)).members.map((m) => m.name)).toEqual(['Taro']);
    });

    it('updates bump the version by one, log the changed fields, and a no-op writes nothing', async () => {
      const rid = restaurant();
      const { staffId } = await create(rid);
      const a = await update(rid, staffId, { name: 'Jiro', startPeriod: { year: 2026, month: 4 } }, 1);
      expect(a).toMatchObject({ type: 'ACK', payload: { version: 2, seq: 2 } });
      const same = await update(rid, staffId, { name: 'Jiro' }, 2);
      expect(same).toMatchObject({ type: 'ACK', payload: { version: 2, seq: 2 } });
      const log = await changeLog(rid);
      expect(log.map((r) => Number(r.seq))).toEqual([1, 2]);
      expect(log[1]).toMatchObject({ op: 'STAFF_UPDATE', version: 2, changed: ['name', 'startPeriod'] });
      const [member] = (await readSnapshot(db, rid)).members;
      expect(member).toMatchObject({ name: 'Jiro', startPeriod: { year: 2026, month: 4 }, version: 2 });
    });

    it('deletes softly: isActive false, version bumped, gone from the snapshot', async () => {
      const rid = restaurant();
      const { staffId } = await create(rid);
      const del = await apply(rid, mutation('STAFF_DELETE', { staffId, version: 1 }));
      expect(del).toMatchObject({ type: 'ACK', payload: { version: 2, seq: 2 } });
      expect((await readSnapshot(db, rid)).members).toEqual([]);
      const rows = await db.query<{ is_active: boolean; version: number }>('select is_active, version from staff where id = $1', [
        staffId,
      ]);
      expect(rows[0]).toMatchObject({ is_active: false, version: 2 });
      expect((await changeLog(rid))[1]).toMatchObject({ op: 'STAFF_DELETE', changed: ['isActive'] });
      // Updating a deleted member is refused; restoring it is allowed.
      expect(await update(rid, staffId, { name: 'Z' })).toMatchObject({ type: 'ERROR', payload: { code: 'NOT_FOUND' } });
      expect(await update(rid, staffId, { isActive: true })).toMatchObject({ type: 'ACK', payload: { version: 3 } });
    });

    it('answers unknown members with NOT_FOUND and writes nothing', async () => {
      const rid = restaurant();
      const outcome = await update(rid, randomUUID(), { name: 'Nobody' });
      expect(outcome).toMatchObject({ type: 'ERROR', payload: { code: 'NOT_FOUND' } });
      expect(await changeLog(rid)).toEqual([]);
    });

    it('keeps one restaurant out of another', async () => {
      const a = restaurant();
      const b = restaurant();
      const { staffId } = await create(a);
      expect(await update(b, staffId, { name: 'Thief' })).toMatchObject({ type: 'ERROR', payload: { code: 'NOT_FOUND' } });
      expect((await readSnapshot(db, b)).members).toEqual([]);
      expect((await readSnapshot(db, a)).members[0]?.name).toBe('Taro');
    });

    it('refuses a version from the future and an end before the start, writing nothing', async () => {
      const rid = restaurant();
      const { staffId } = await create(rid, { startPeriod: { year: 2026, month: 5 } });
      expect(await update(rid, staffId, { name: 'Q' }, 9)).toMatchObject({
        type: 'ERROR',
        payload: { code: 'VALIDATION_FAILED' },
      });
      const bad = await update(rid, staffId, { endPeriod: { year: 2026, month: 4 } });
      expect(bad).toMatchObject({
        type: 'ERROR',
        payload: { code: 'VALIDATION_FAILED', fields: { 'payload.changes.endPeriod': expect.any(String) } },
      });
      expect((await readSnapshot(db, rid)).members[0]).toMatchObject({ version: 1, endPeriod: null });
    });

    it('applies a retried mutation once and answers it with the first outcome', async () => {
      const rid = restaurant();
      const { staffId } = await create(rid);
      const message = mutation('STAFF_UPDATE', { staffId, changes: { name: 'Once' }, version: 1 }, 'retrier', 7);
      const first = await apply(rid, message);
      const again = await apply(rid, { ...message, timestamp: new Date().toISOString() });
      expect(first).toMatchObject({ type: 'ACK', payload: { version: 2, seq: 2 } });
      expect(again).toEqual({
        type: 'ACK',
        payload: { ...(first as Extract<MutationOutcome, { type: 'ACK' }>).payload, duplicate: true },
      });
      expect((await changeLog(rid)).length).toBe(2);
      // The same sequenceNumber for a different message is refused.
      const reused = await apply(rid, mutation('STAFF_UPDATE', { staffId, changes: { name: 'Other' } }, 'retrier', 7));
      expect(reused).toMatchObject({ type: 'ERROR', payload: { code: 'SEQUENCE_REUSED', sequenceNumber: 7 } });
      expect((await readSnapshot(db, rid)).members[0]?.name).toBe('Once');
    });

    it('repeats a CONFLICT for a retried conflicting mutation', async () => {
      const rid = restaurant();
      const { staffId } = await create(rid);
      await update(rid, staffId, { name: 'A' }, 1);
      const message = mutation('STAFF_UPDATE', { staffId, changes: { name: 'B' }, version: 1 }, 'c-retry', 1);
      const first = await apply(rid, message);
      expect(first.type).toBe('CONFLICT');
      expect(await apply(rid, message)).toEqual(first);
    });

    describe('conflict strategies (an update from version 1 after someone changed the name)', () => {
      async function stale(strategy: ConflictStrategy, changes: StaffChanges) {
        const rid = restaurant();
        const { staffId } = await create(rid);
        await update(rid, staffId, { name: 'Theirs' }, 1, strategy, 'other');
        const outcome = await update(rid, staffId, changes, 1, strategy, 'mine');
        const member = (await readSnapshot(db, rid)).members[0];
        return { outcome, member };
      }

      it('last-writer-wins applies on top', async () => {
        const { outcome, member } = await stale('last-writer-wins', { name: 'Mine' });
        expect(outcome).toMatchObject({ type: 'ACK', payload: { version: 3 } });
        expect(member?.name).toBe('Mine');
      });

      it('first-writer-wins refuses with the current member', async () => {
        const { outcome, member } = await stale('first-writer-wins', { position: 'Sous' });
        expect(outcome).toMatchObject({
          type: 'CONFLICT',
          payload: {
            strategy: 'first-writer-wins',
            baseVersion: 1,
            current: { name: 'Theirs', version: 2 },
            attempted: { position: 'Sous' },
          },
        });
        expect(member).toMatchObject({ name: 'Theirs', position: 'Chef', version: 2 });
      });

      it('merge applies changes to other fields', async () => {
        const { outcome, member } = await stale('merge', { position: 'Sous' });
        expect(outcome).toMatchObject({ type: 'ACK', payload: { version: 3 } });
        expect(member).toMatchObject({ name: 'Theirs', position: 'Sous' });
      });

      it('merge refuses a change to the same field and lists it', async () => {
        const { outcome, member } = await stale('merge', { name: 'Mine', position: 'Sous' });
        expect(outcome).toMatchObject({ type: 'CONFLICT', payload: { strategy: 'merge', conflictingFields: ['name'] } });
        expect(member).toMatchObject({ name: 'Theirs', position: 'Chef', version: 2 });
      });

      it('merge accepts the same value someone else already set', async () => {
        const { outcome } = await stale('merge', { name: 'Theirs' });
        expect(outcome).toMatchObject({ type: 'ACK', payload: { version: 2 } });
      });

      it('user-choice always refuses; resending with the current version applies', async () => {
        const { outcome } = await stale('user-choice', { position: 'Sous' });
        expect(outcome).toMatchObject({ type: 'CONFLICT', payload: { strategy: 'user-choice', conflictingFields: [] } });
        if (outcome.type !== 'CONFLICT') return;
        const rid = (
          await db.query<{ restaurant_id: string }>('select restaurant_id from staff where id = $1', [outcome.payload.staffId])
        )[0]?.restaurant_id as string;
        const resolved = await update(
          rid,
          outcome.payload.staffId,
          { position: 'Sous' },
          outcome.payload.current.version,
          'user-choice',
        );
        expect(resolved).toMatchObject({ type: 'ACK', payload: { version: 3 } });
      });

      it('a blind write (no version) applies under every strategy', async () => {
        for (const strategy of ['first-writer-wins', 'user-choice'] as const) {
          const rid = restaurant();
          const { staffId } = await create(rid);
          await update(rid, staffId, { name: 'Theirs' }, 1, strategy);
          expect(await update(rid, staffId, { position: 'Blind' }, undefined, strategy)).toMatchObject({ type: 'ACK' });
        }
      });
    });

    defineOwnChangesCases({ db: () => db, restaurant, create, update });

    it('versions and logs writes made straight in SQL as "database"', async () => {
      const rid = restaurant();
      const { staffId } = await create(rid);
      await db.query(`update staff set name = 'FromSQL', version = 99 where id = $1`, [staffId]);
      await db.query(`update staff set updated_at = now() where id = $1`, [staffId]); // no real change
      const log = await changeLog(rid);
      expect(log.slice(1)).toMatchObject([{ op: 'STAFF_UPDATE', client_id: 'database', version: 2, changed: ['name'] }]);
      // A client edit from the old version is decided by the strategy, not silently applied.
      expect(await update(rid, staffId, { name: 'Stale' }, 1)).toMatchObject({
        type: 'CONFLICT',
        payload: { conflictingFields: ['name'] },
      });
      await db.query('delete from staff where id = $1', [staffId]);
      expect((await changeLog(rid)).at(-1)).toMatchObject({ op: 'STAFF_DELETE', client_id: 'database', version: 3 });
    });

    it('assigns gap-free seqs under concurrent mutations from many clients', async () => {
      const rid = restaurant();
      const ids = await Promise.all([1, 2, 3].map(() => create(rid).then((a) => a.staffId)));
      const outcomes = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          update(rid, ids[i % 3] as string, { order: i + 1 }, undefined, 'merge', `w${i % 6}`),
        ),
      );
      expect(outcomes.every((o) => o.type === 'ACK')).toBe(true);
      const seqs = (await changeLog(rid)).map((r) => Number(r.seq));
      expect(seqs).toEqual(Array.from({ length: 63 }, (_, i) => i + 1));
      const acked = outcomes.map((o) => (o as Extract<MutationOutcome, { type: 'ACK' }>).payload.seq).sort((x, y) => x - y);
      expect(acked).toEqual(Array.from({ length: 60 }, (_, i) => i + 4));
      const members = (await readSnapshot(db, rid)).members;
      expect(members.reduce((n, m) => n + m.version, 0)).toBe(63);
    });

    it('records the collection and the signed-in user of each change; other writers have none', async () => {
      const rid = restaurant();
      const signedIn = { restaurantId: rid, strategy: 'merge' as const, userId: 'user-7', userName: '佐藤' };
      const created = await applyMutation(db, signedIn, mutation('STAFF_CREATE', { name: 'Taro', position: 'Chef' }));
      if (created.type !== 'ACK') throw new Error('create failed');
      await db.query(`update staff set position = 'Sous' where id = $1`, [created.payload.staffId]);
      const delta = await readChangesSince(db, rid, 0, 100);
      expect(delta?.changes.map((c) => [c.seq, c.collection, c.userId, c.userName])).toEqual([
        [1, 'staff', 'user-7', '佐藤'],
        [2, 'staff', null, null],
      ]);
    });

    it('gives the delta since a seq, or null when it cannot', async () => {
      const rid = restaurant();
      const { staffId } = await create(rid);
      for (const name of ['B', 'C', 'D']) await update(rid, staffId, { name });
      const delta = await readChangesSince(db, rid, 1, 100);
      expect(delta?.seq).toBe(4);
      expect(delta?.changes.map((c) => [c.seq, c.type, staffChange(c).changes])).toEqual([
        [2, 'STAFF_UPDATE', { name: 'B' }],
        [3, 'STAFF_UPDATE', { name: 'C' }],
        [4, 'STAFF_UPDATE', { name: 'D' }],
      ]);
      expect(await readChangesSince(db, rid, 4, 100)).toEqual({ seq: 4, changes: [] });
      expect(await readChangesSince(db, rid, 0, 2)).toBeNull(); // more than the limit
      expect(await readChangesSince(db, rid, 9, 100)).toBeNull(); // ahead of this database
      await db.query(
        `update staff_sync_changes set created_at = now() - interval '10 hours' where restaurant_id = $1 and seq <= 2`,
        [rid],
      );
      const pruned = await pruneOld(db, 5, 10_000);
      expect(pruned.changes).toBeGreaterThanOrEqual(2);
      expect(await readChangesSince(db, rid, 1, 100)).toBeNull(); // the log no longer reaches back
      expect((await readChangesSince(db, rid, 2, 100))?.changes).toHaveLength(2);
    });

    it("uses the restaurant's own periods when it has them, else the default ones", async () => {
      const rid = restaurant();
      const settings = { periodsStart: '2025-01', periodsAhead: 2 };
      const defaults = await periodsFor(db, rid, settings, new Date(2025, 2, 25));
      expect(defaults.map((p) => p.label)).toEqual(['1月・2月', '2月・3月', '3月・4月', '4月・5月', '5月・6月']);
      await db.query(
        `insert into schedule_periods values ($1, '2025-04-01', '2025-04-30', '4月'), ($1, '2025-03-01', '2025-03-31', '3月')`,
        [rid],
      );
      const own = await periodsFor(db, rid, settings);
      expect(own).toEqual([
        { index: 0, startDate: '2025-03-01', endDate: '2025-03-31', label: '3月' },
        { index: 1, startDate: '2025-04-01', endDate: '2025-04-30', label: '4月' },
      ]);
    });

    describe('change feed', () => {
      function feedOn(source: Db, drop: (payload: string) => boolean = () => false) {
        const filtered: Db = {
          ...source,
          listen: (channel, onPayload, onReady) => source.listen(channel, (p) => (drop(p) ? undefined : onPayload(p)), onReady),
        };
        const feed = new ChangeFeed(filtered, log, createMetrics());
        const seen: ChangeRecord[] = [];
        feed.onChange((c) => seen.push(c));
        return { feed, seen };
      }
      const until = async (check: () => boolean) => {
        for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
        expect(check()).toBe(true);
      };

      it('delivers every change of a followed restaurant in seq order, with writer and fields', async () => {
        const rid = restaurant();
        const other = restaurant();
        const { feed, seen } = feedOn(db);
        await feed.start();
        await feed.follow(rid);
        const { staffId } = await create(rid);
        await create(other);
        await update(rid, staffId, { position: 'Sous' }, 1, 'merge', 'writer-x');
        await db.query(`update staff set department = 'ホール' where id = $1`, [staffId]);
        await until(() => seen.length === 3);
        expect(seen.map((c) => [c.restaurantId, c.seq, c.type, c.clientId, staffChange(c).changes])).toEqual([
          [rid, 1, 'STAFF_CREATE', 'c1', expect.objectContaining({ name: 'Taro' })],
          [rid, 2, 'STAFF_UPDATE', 'writer-x', { position: 'Sous' }],
          [rid, 3, 'STAFF_UPDATE', 'database', { department: 'ホール' }],
        ]);
        expect(staffChange(seen[2]).staff).toMatchObject({ version: 3, department: 'ホール', position: 'Sous' });
        await feed.stop();
      });

      it('reads lost notifications back from the change log', async () => {
        const rid = restaurant();
        let dropped = 0;
        const { feed, seen } = feedOn(db, (p) => JSON.parse(p).seq % 2 === 0 && ++dropped > 0);
        await feed.start();
        await feed.follow(rid);
        const { staffId } = await create(rid);
        for (const name of ['B', 'C', 'D', 'E']) await update(rid, staffId, { name });
        await until(() => seen.length === 5);
        expect(dropped).toBeGreaterThan(0);
        expect(seen.map((c) => c.seq)).toEqual([1, 2, 3, 4, 5]);
        expect(seen.map((c) => staffChange(c).staff?.name)).toEqual(['Taro', 'B', 'C', 'D', 'E']);
        await feed.stop();
      });

      it('reads changes too large for a notification from the change log', async () => {
        const rid = restaurant();
        await db.exec('alter table staff add column if not exists notes text');
        const { feed, seen } = feedOn(db);
        await feed.start();
        await feed.follow(rid);
        const { staffId } = await create(rid);
        await db.query(`update staff set name = 'Big', notes = repeat('x', 9000) where id = $1`, [staffId]);
        await until(() => seen.length === 2);
        expect(seen[1]).toMatchObject({ seq: 2, payload: { changes: { name: 'Big' }, staff: { name: 'Big' } } });
        await feed.stop();
      });
    });
  });
}

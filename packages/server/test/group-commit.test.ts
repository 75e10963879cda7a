import { envelope, type MutationMessage } from '@staff-sync/protocol';
import { availableDrivers } from '@staff-sync/test-support/drivers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMutation, combineApplies } from '../src/engine/apply-mutation.ts';
import { GroupCommit } from '../src/engine/group-commit.ts';
import type { SyncEngine } from '../src/engine/sync-engine.ts';
import type { Metrics } from '../src/metrics.ts';
import type { Db } from '../src/storage/db.ts';
import { engineOn } from './support/engine.ts';
import { openDb } from './support/open-db.ts';

/**
 * Group commit (docs/architecture.md): mutations of one restaurant that arrive while one is in
 * flight commit together, each in its own savepoint. A refused one (by the rules, or by the
 * database itself) changes nothing for the others; `seq` stays gap-free in the order they ran;
 * deduplication stays exact.
 */
for (const driver of await availableDrivers()) {
  describe(`group commit on ${driver}`, () => {
    let db: Db;
    let close: () => Promise<void>;
    let metrics: Metrics;
    let engine: SyncEngine;
    const actor = { restaurantId: 'r-groups' };
    let sequence = 0;
    const message = (type: MutationMessage['type'], payload: unknown, clientId = 'c1', n = ++sequence) =>
      envelope(type, payload, clientId, n) as MutationMessage;
    const groups = async () => {
      const values = (await metrics.commitGroupSize.get()).values;
      const count = values.find((v) => v.metricName === 'staff_sync_commit_group_size_count')?.value ?? 0;
      const sum = values.find((v) => v.metricName === 'staff_sync_commit_group_size_sum')?.value ?? 0;
      return { count, sum };
    };

    beforeAll(async () => {
      ({ db, close } = await openDb(driver, 'groups'));
      ({ engine, metrics } = await engineOn(db));
    });
    afterAll(() => close());

    it('commits what arrives together in fewer transactions, every outcome its own, seq gap-free', async () => {
      const created = await engine.mutate(actor, message('STAFF_CREATE', { name: 'Taro', position: 'Chef' }));
      if (created.type !== 'ACK' || !('staffId' in created.payload)) throw new Error(JSON.stringify(created));
      const { staffId, seq } = created.payload;
      const before = await groups();
      // 40 mutations at once: valid ones, a stale one (CONFLICT under merge? no: another field, so
      // merged), ones the rules refuse, and ones only the database refuses (U+0000, 2^31).
      const mutations: [MutationMessage, string][] = [];
      for (let i = 0; i < 40; i++) {
        const kind = i % 5;
        if (kind === 0) mutations.push([message('STAFF_CREATE', { name: `m${i}`, position: 'Chef' }), 'ACK']);
        else if (kind === 1) mutations.push([message('STAFF_UPDATE', { staffId, changes: { position: `p${i}` } }), 'ACK']);
        else if (kind === 2)
          mutations.push([message('STAFF_CREATE', { name: `bad\u0000${i}`, position: 'Chef' }), 'VALIDATION_FAILED']);
        else if (kind === 3)
          mutations.push([message('STAFF_UPDATE', { staffId, changes: { name: 'x' }, version: 2 ** 31 }), 'VALIDATION_FAILED']);
        else mutations.push([message('STAFF_DELETE', { staffId: '6f1c1d2e-0000-4000-8000-000000000000' }), 'NOT_FOUND']);
      }
      const outcomes = await Promise.all(mutations.map(([m]) => engine.mutate(actor, m)));
      outcomes.forEach((outcome, i) => {
        const [mutation, expected] = mutations[i] as [MutationMessage, string];
        const got = outcome.type === 'ERROR' ? outcome.payload.code : outcome.type;
        expect(got, JSON.stringify([mutation.payload, outcome.payload])).toBe(expected);
      });
      // The ACKed ones took seq + 1 ... seq + 16, each once, in the order they were sent.
      const acked = outcomes.flatMap((o) => (o.type === 'ACK' ? [o.payload.seq] : []));
      expect(acked).toEqual(Array.from({ length: 16 }, (_, i) => seq + 1 + i));
      // They were grouped: 41 statements in fewer transactions than mutations.
      const after = await groups();
      expect(after.sum - before.sum).toBeGreaterThanOrEqual(40);
      expect(after.count - before.count).toBeLessThan(40);
      // A sentinel after them gets the very next seq: nothing refused was committed.
      const sentinel = await engine.mutate(actor, message('STAFF_CREATE', { name: 'Hanako', position: 'Chef' }));
      expect(sentinel).toMatchObject({ type: 'ACK', payload: { seq: seq + 17 } });
      expect(await counter(db, actor.restaurantId)).toBe(seq + 17);
    });

    it('groups the mutations of many restaurants together, each restaurant’s seq gap-free in arrival order', async () => {
      const restaurants = ['r-many-c', 'r-many-a', 'r-many-b'];
      const before = await groups();
      // Interleaved: c, a, b, c, a, b, ... ten of each, sent at once.
      const sent = Array.from({ length: 30 }, (_, i) => {
        const restaurantId = restaurants[i % 3] as string;
        return {
          restaurantId,
          n: Math.floor(i / 3),
          at: engine.mutate(
            { restaurantId },
            message('STAFF_CREATE', { name: `n${Math.floor(i / 3)}`, position: 'Chef' }, `c-${restaurantId}`),
          ),
        };
      });
      const outcomes = await Promise.all(sent.map((s) => s.at));
      for (const restaurantId of restaurants) {
        const seqs = outcomes.flatMap((o, i) =>
          sent[i]?.restaurantId === restaurantId && o.type === 'ACK' ? [o.payload.seq] : [],
        );
        // Each restaurant's ten got its next ten seqs, in the order they were sent.
        expect(seqs).toEqual(Array.from({ length: 10 }, (_, k) => (seqs[0] as number) + k));
        expect(await counter(db, restaurantId)).toBe((seqs[0] as number) + 9);
      }
      const after = await groups();
      expect(after.sum - before.sum).toBe(30);
      expect(after.count - before.count).toBeLessThan(30);
    });

    it('runs a group of plain staff mutations as one statement, each with its own outcome', async () => {
      // The engine's group commit over a database that counts the statements sent in transactions.
      const inTransactions: string[] = [];
      const counting: Db = {
        ...db,
        transaction: (fn, isolation) =>
          db.transaction(
            (tx) =>
              fn({
                ...tx,
                query: (text, params) => {
                  inTransactions.push(text);
                  return tx.query(text, params);
                },
              }),
            isolation,
          ),
      };
      const groups = new GroupCommit(counting, { maxBatch: 64, combine: combineApplies });
      const ctx = { restaurantId: 'r-batch', strategy: 'merge' as const };
      const outcomes = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          applyMutation(
            groups.for(ctx.restaurantId),
            ctx,
            message('STAFF_CREATE', { name: `b${i}`, position: 'Chef' }, 'c-batch') as never,
          ),
        ),
      );
      // The first ran alone (nothing was in flight); the other eleven as one statement.
      expect(inTransactions).toEqual(['select staff_sync_apply_batch($1::text::jsonb) as outcomes']);
      const seqs = outcomes.map((o) => (o.type === 'ACK' ? o.payload.seq : Number.NaN));
      expect(seqs).toEqual(Array.from({ length: 12 }, (_, i) => (seqs[0] as number) + i));
    });

    it('deduplicates exactly inside a group: a repeat gets the first outcome, a reuse is refused', async () => {
      const first = message('STAFF_CREATE', { name: 'Once', position: 'Chef' }, 'c2', 1);
      const outcomes = await Promise.all([
        engine.mutate(actor, first),
        engine.mutate(actor, first),
        engine.mutate(actor, message('STAFF_CREATE', { name: 'Other', position: 'Chef' }, 'c2', 1)),
        engine.mutate(actor, message('STAFF_CREATE', { name: 'Twice', position: 'Chef' }, 'c2', 2)),
      ]);
      expect(outcomes.map((o) => (o.type === 'ERROR' ? o.payload.code : o.type))).toEqual([
        'ACK',
        'ACK',
        'SEQUENCE_REUSED',
        'ACK',
      ]);
      expect(outcomes[1]).toMatchObject({ type: 'ACK', payload: { duplicate: true } });
      const rows = await db.query<{ n: number }>(
        `select count(*)::int as n from staff where restaurant_id::text = $1 and name = 'Once'`,
        [actor.restaurantId],
      );
      expect(rows[0]?.n).toBe(1);
    });
  });
}

async function counter(db: Db, restaurantId: string): Promise<number> {
  const rows = await db.query<{ seq: number }>('select seq from staff_sync_counters where restaurant_id = $1', [restaurantId]);
  return Number(rows[0]?.seq);
}

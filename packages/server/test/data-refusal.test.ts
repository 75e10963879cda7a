import { envelope, type MutationMessage } from '@staff-sync/protocol';
import { availableDrivers } from '@staff-sync/test-support/drivers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncEngine } from '../src/engine/sync-engine.ts';
import type { Metrics } from '../src/metrics.ts';
import type { Db } from '../src/storage/db.ts';
import { engineOn } from './support/engine.ts';
import { openDb } from './support/open-db.ts';

type Open = () => Promise<{ db: Db; close: () => Promise<void> }>;

const counter = async (metrics: Metrics, name: 'databaseErrors' | 'databaseOperations', labels: Record<string, string>) =>
  (await metrics[name].get()).values
    .filter((v) => Object.entries(labels).every(([k, value]) => v.labels[k as never] === value))
    .reduce((sum, v) => sum + v.value, 0);

/**
 * Values the edge is meant to refuse, handed straight to the engine as if validation had missed
 * them: the real database refuses each, and the answer must be VALIDATION_FAILED (not INTERNAL,
 * which the client would send again), with nothing written and no database error counted.
 */
function defineRefusals(name: string, open: Open): void {
  describe(`database refusals on ${name}`, () => {
    let db: Db;
    let close: () => Promise<void>;
    let metrics: Metrics;
    let engine: SyncEngine;
    const actor = { restaurantId: 'r-refusals' };
    let sequence = 0;
    const message = (type: MutationMessage['type'], payload: unknown, clientId = 'c1') =>
      envelope(type, payload, clientId, ++sequence) as MutationMessage;

    beforeAll(async () => {
      ({ db, close } = await open());
      ({ engine, metrics } = await engineOn(db));
    });
    afterAll(() => close());

    it('answers VALIDATION_FAILED naming the SQLSTATE, writes nothing and counts no database error', async () => {
      const created = await engine.mutate(actor, message('STAFF_CREATE', { name: 'Taro', position: 'Chef' }));
      if (created.type !== 'ACK' || !('staffId' in created.payload)) throw new Error(JSON.stringify(created));
      const { staffId, seq } = created.payload;
      const cell = { staffId, dateKey: '2025-01-22', shiftValue: '×' };
      const cases: [MutationMessage, RegExp][] = [
        [message('STAFF_UPDATE', { staffId, changes: { name: 'x' }, version: 2 ** 31 }), /22003/],
        [message('STAFF_DELETE', { staffId, version: 2 ** 40 }), /22003/],
        [message('SHIFT_UPDATE', { ...cell, version: 2 ** 31 }), /22003/],
        [message('STAFF_CREATE', { name: 'a\u0000b', position: 'Chef' }), /22P05/],
        [message('SHIFT_UPDATE', { ...cell, shiftValue: '研修\u0000' }), /22P05/],
        [message('STAFF_UPDATE', { staffId, changes: { position: 'x\ud800' } }), /22P02/],
        [message('STAFF_CREATE', { name: 'Taro', position: 'Chef' }, 'tab\u0000'), /22021/],
        [message('STAFF_CREATE', { name: 'x'.repeat(101), position: 'Chef' }), /23514/],
        [message('STAFF_UPDATE', { staffId, changes: { department: '倉庫' } }), /23514/],
      ];
      for (const [mutation, sqlstate] of cases) {
        const outcome = await engine.mutate(actor, mutation);
        expect(outcome, JSON.stringify(mutation.payload)).toMatchObject({
          type: 'ERROR',
          payload: { code: 'VALIDATION_FAILED', sequenceNumber: mutation.sequenceNumber },
        });
        expect(outcome.type === 'ERROR' && outcome.payload.message).toMatch(sqlstate);
      }
      expect(await counter(metrics, 'databaseErrors', {})).toBe(0);
      expect(await counter(metrics, 'databaseOperations', { operation: 'mutation', status: 'refused' })).toBe(cases.length);
      // The sentinel: the next change gets the very next seq, so none of the refused ones committed.
      const sentinel = await engine.mutate(actor, message('STAFF_CREATE', { name: 'Hanako', position: 'Chef' }));
      expect(sentinel).toMatchObject({ type: 'ACK', payload: { seq: seq + 1 } });
    });

    it('still answers INTERNAL (send it again) when the database itself fails', async () => {
      await db.close();
      const outcome = await engine.mutate(actor, message('STAFF_CREATE', { name: 'Jiro', position: 'Chef' }));
      expect(outcome).toMatchObject({ type: 'ERROR', payload: { code: 'INTERNAL' } });
      expect(await counter(metrics, 'databaseErrors', { operation: 'mutation' })).toBe(1);
    });
  });
}

for (const driver of await availableDrivers()) defineRefusals(driver, () => openDb(driver, 'refusals'));

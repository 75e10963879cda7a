import { type ConflictStrategy, envelope, type ShiftMutationMessage, type StaffChanges } from '@staff-sync/protocol';
import { describe, expect, it } from 'vitest';
import type { MutationOutcome } from '../src/engine/apply-mutation.ts';
import { shiftCollection } from '../src/engine/collections/shift.ts';
import type { Db } from '../src/storage/db.ts';
import { readSnapshot } from '../src/storage/staff-queries.ts';

/** What the storage suite lends these cases: its database and its mutation helpers. */
export interface OwnChangesContext {
  db: () => Db;
  restaurant: () => string;
  create: (rid: string) => Promise<{ staffId: string }>;
  update: (
    rid: string,
    staffId: string,
    changes: StaffChanges,
    version?: number,
    strategy?: ConflictStrategy,
    clientId?: string,
  ) => Promise<MutationOutcome>;
}

/**
 * The conflict check counts only what others wrote since the edit's base version: a client's own
 * earlier changes are part of what it edits from (docs/protocol.md, guarantee 6).
 */
export function defineOwnChangesCases(ctx: OwnChangesContext): void {
  describe("a client's own changes since its base version", () => {
    /** Member at version 1; "mine" saves the name from it (version 2). */
    async function savedOnce(strategy: ConflictStrategy) {
      const rid = ctx.restaurant();
      const { staffId } = await ctx.create(rid);
      expect(await ctx.update(rid, staffId, { name: 'Mine 1' }, 1, strategy, 'mine')).toMatchObject({
        type: 'ACK',
        payload: { version: 2 },
      });
      return { rid, staffId };
    }
    const member = async (rid: string) => (await readSnapshot(ctx.db(), rid)).members[0];

    it('merge: saving the same field again from the same base is no conflict', async () => {
      const { rid, staffId } = await savedOnce('merge');
      const again = await ctx.update(rid, staffId, { name: 'Mine 2' }, 1, 'merge', 'mine');
      expect(again).toMatchObject({ type: 'ACK', payload: { version: 3 } });
      expect(await member(rid)).toMatchObject({ name: 'Mine 2', version: 3 });
    });

    it('merge: own change, then someone else changes another field: still no conflict', async () => {
      const { rid, staffId } = await savedOnce('merge');
      await ctx.update(rid, staffId, { position: 'Theirs' }, 2, 'merge', 'other');
      const again = await ctx.update(rid, staffId, { name: 'Mine 2' }, 1, 'merge', 'mine');
      expect(again).toMatchObject({ type: 'ACK', payload: { version: 4 } });
      expect(await member(rid)).toMatchObject({ name: 'Mine 2', position: 'Theirs', version: 4 });
    });

    it('merge: someone else changed the same field since: CONFLICT naming it, nothing written', async () => {
      const { rid, staffId } = await savedOnce('merge');
      await ctx.update(rid, staffId, { name: 'Theirs' }, 2, 'merge', 'other');
      const again = await ctx.update(rid, staffId, { name: 'Mine 2', position: 'Sous' }, 1, 'merge', 'mine');
      expect(again).toMatchObject({
        type: 'CONFLICT',
        payload: { strategy: 'merge', baseVersion: 1, conflictingFields: ['name'], current: { name: 'Theirs', version: 3 } },
      });
      expect(await member(rid)).toMatchObject({ name: 'Theirs', position: 'Chef', version: 3 });
    });

    it('first-writer-wins and user-choice: only own changes since the base is no conflict; another writer is', async () => {
      for (const strategy of ['first-writer-wins', 'user-choice'] as const) {
        const { rid, staffId } = await savedOnce(strategy);
        expect(await ctx.update(rid, staffId, { position: 'Sous' }, 1, strategy, 'mine')).toMatchObject({
          type: 'ACK',
          payload: { version: 3 },
        });
        await ctx.update(rid, staffId, { position: 'Theirs' }, 3, strategy, 'other');
        expect(await ctx.update(rid, staffId, { name: 'Mine 3' }, 1, strategy, 'mine')).toMatchObject({
          type: 'CONFLICT',
          payload: { strategy, baseVersion: 1, current: { version: 4 } },
        });
      }
    });

    it("another client's schedule cells of the member are not changes of the member", async () => {
      for (const strategy of ['first-writer-wins', 'user-choice'] as const) {
        const { rid, staffId } = await savedOnce(strategy);
        // Logged under the member's id with the cell's own versions (1, then 2).
        for (const [n, shiftValue] of ['×', '△'].entries()) {
          const payload = { staffId, dateKey: '2025-01-22', shiftValue, ...(n > 0 ? { version: n } : {}) };
          const message = envelope('SHIFT_UPDATE', payload, 'other', n + 1) as ShiftMutationMessage;
          const context = { restaurantId: rid, strategy, periodSettings: { periodsStart: '2025-01', periodsAhead: 2 } };
          expect(await shiftCollection.apply(ctx.db(), context, message)).toMatchObject({ type: 'ACK' });
        }
        expect(await ctx.update(rid, staffId, { name: 'Mine 2' }, 1, strategy, 'mine')).toMatchObject({
          type: 'ACK',
          payload: { version: 3 },
        });
      }
    });

    it('a change log that no longer reaches back to the base version still counts every difference', async () => {
      const { rid, staffId } = await savedOnce('merge');
      await ctx
        .db()
        .query('delete from staff_sync_changes where restaurant_id = $1 and staff_id = $2 and version = 2', [rid, staffId]);
      const again = await ctx.update(rid, staffId, { name: 'Mine 2' }, 1, 'merge', 'mine');
      expect(again).toMatchObject({ type: 'CONFLICT', payload: { conflictingFields: ['name'] } });
    });
  });
}

import { availableDrivers } from '@staff-sync/test-support/drivers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConflict, pruneConflicts, Suggester } from '../src/assist/index.ts';
import type { Db } from '../src/storage/db.ts';
import { migrate } from '../src/storage/migrate.ts';
import { decideStream, probe, TestClock } from './support/assist-conflicts.ts';
import { openDb } from './support/open-db.ts';

/** Suggestions and decisions kept in the database (migration 007), on every driver this machine has. */

for (const driver of await availableDrivers()) {
  describe(`assist storage on ${driver}`, () => {
    let db: Db;
    let close: () => Promise<void>;

    beforeAll(async () => {
      ({ db, close } = await openDb(driver, 'assist'));
      await migrate(db);
    });
    afterAll(async () => {
      await close();
    });

    it('rebuilds the model from recorded decisions when a server starts', async () => {
      const clock = new TestClock();
      const first = new Suggester({ store: db, now: clock.read });
      await decideStream(first, clock, 'r-restart', 60, true);
      clock.advance(3_600_000);
      const before = await first.suggest(probe(clock, 'r-restart'));
      expect(before.autoApply).toBe(true);

      const restarted = new Suggester({ store: db, now: clock.read });
      await restarted.start();
      const after = await restarted.suggest(probe(clock, 'r-restart'));
      expect(after.suggestion.basis).toEqual(before.suggestion.basis);
      expect(after.suggestion.confidence).toBeGreaterThanOrEqual(0.9);
      expect(restarted.decisionsIn('r-restart')).toBe(first.decisionsIn('r-restart'));
    });

    it('loads a restaurant on first use, without start(), bounded to its latest decisions', async () => {
      const clock = new TestClock();
      await decideStream(new Suggester({ store: db, now: clock.read }), clock, 'r-lazy', 30, true);
      const lazy = new Suggester({ store: db, now: clock.read, historyPerRestaurant: 10 });
      await lazy.suggest(probe(clock, 'r-lazy'));
      expect(lazy.decisionsIn('r-lazy')).toBe(10);
    });

    it('counts an applied suggestion nobody corrected as accepted, once the time has passed', async () => {
      const clock = new TestClock();
      const suggester = new Suggester({ store: db, now: clock.read, implicitAcceptMs: 600_000 });
      await decideStream(suggester, clock, 'r-implicit', 60, true);
      const applied = probe(clock, 'r-implicit');
      expect((await suggester.suggest(applied)).autoApply).toBe(true);
      expect((await loadConflict(db, 'r-implicit', applied.conflictId))?.decision).toBeNull();

      clock.advance(599_000);
      await suggester.suggest(probe(clock, 'r-implicit'));
      expect((await loadConflict(db, 'r-implicit', applied.conflictId))?.decision).toBeNull();

      clock.advance(2_000);
      const implicitBefore = suggester.stats().implicitlyAccepted;
      await suggester.suggest(probe(clock, 'r-implicit'));
      const stored = await loadConflict(db, 'r-implicit', applied.conflictId);
      expect(stored?.decision).toEqual({ choices: { value: 'theirs' }, values: {}, decidedBy: null, source: 'implicit' });
      expect(suggester.stats().implicitlyAccepted).toBeGreaterThan(implicitBefore);

      // A person correcting it later still counts, and replaces the implicit acceptance.
      const corrected = await suggester.record({
        restaurantId: 'r-implicit',
        conflictId: applied.conflictId,
        choices: { value: 'mine' },
      });
      expect(corrected).toEqual({ recorded: true, accepted: { value: false } });
      expect((await loadConflict(db, 'r-implicit', applied.conflictId))?.decision).toMatchObject({
        choices: { value: 'mine' },
        decidedBy: 'u-suzuki',
        source: 'person',
      });
    });

    it('lets another replica learn what this one recorded', async () => {
      const clock = new TestClock();
      const a = new Suggester({ store: db, now: clock.read });
      const b = new Suggester({ store: db, now: clock.read });
      await b.suggest(probe(clock, 'r-replicas'));
      expect(b.decisionsIn('r-replicas')).toBe(0);
      await decideStream(a, clock, 'r-replicas', 40, true);
      const fromB = await b.suggest(probe(clock, 'r-replicas'));
      expect(b.decisionsIn('r-replicas')).toBe(a.decisionsIn('r-replicas'));
      expect(fromB.suggestion.basis).toEqual({ value: 'theirs' });
      // The replica that made a suggestion finds it for record() after a restart too.
      const c = probe(clock, 'r-replicas');
      await a.suggest(c);
      expect(
        await new Suggester({ store: db, now: clock.read }).record({
          restaurantId: 'r-replicas',
          conflictId: c.conflictId,
          choices: { value: 'theirs' },
        }),
      ).toEqual({
        recorded: true,
        accepted: { value: true },
      });
    });

    it('writes nothing with learning off', async () => {
      const clock = new TestClock();
      const off = new Suggester({ store: db, now: clock.read, learning: false });
      const c = probe(clock, 'r-off');
      await off.suggest(c);
      expect(await loadConflict(db, 'r-off', c.conflictId)).toBeNull();
      const rows = await db.query<{ n: unknown }>(
        'select count(*) as n from staff_sync_assist_conflicts where restaurant_id = $1',
        ['r-off'],
      );
      expect(Number(rows[0]!.n)).toBe(0);
    });

    it('prunes to the latest conflicts of each restaurant', async () => {
      const clock = new TestClock();
      const suggester = new Suggester({ store: db, now: clock.read });
      for (let i = 0; i < 5; i++) {
        clock.advance(60_000);
        await suggester.suggest(probe(clock, 'r-prune'));
      }
      const count = async (rid: string) =>
        Number(
          (
            await db.query<{ n: unknown }>('select count(*) as n from staff_sync_assist_conflicts where restaurant_id = $1', [
              rid,
            ])
          )[0]!.n,
        );
      const othersBefore = await count('r-restart');
      await pruneConflicts(db, 3);
      expect(await count('r-prune')).toBe(3);
      expect(await count('r-restart')).toBe(Math.min(3, othersBefore));
    });
  });
}

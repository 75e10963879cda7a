import { describe, expect, it } from 'vitest';
import { AssistInputError, Suggester } from '../src/assist/index.ts';
import { ProbitModel } from '../src/assist/probit-model.ts';
import { conflict, decideStream, people, probe, TestClock } from './support/assist-conflicts.ts';

/** The learned part (docs/assist.md, "The model"): habits, their reversal, and the prior. */

describe('ProbitModel', () => {
  it('moves toward what it is shown and grows surer with each consistent decision', () => {
    const model = new ProbitModel();
    const features = [
      { name: 'bias', value: 1 },
      { name: 'role:manager', value: -1 },
    ];
    expect(model.predict('r', features).pMine).toBeCloseTo(0.5, 6);
    const seen: number[] = [];
    for (let i = 0; i < 20; i++) {
      model.update('r', features, false);
      seen.push(model.predict('r', features).pMine);
    }
    expect(seen.every((p, i) => i === 0 || p < seen[i - 1]!)).toBe(true);
    expect(seen.at(-1)).toBeLessThan(0.1);
  });

  it('shares what one restaurant taught through the global weights, less surely than in that restaurant', () => {
    const model = new ProbitModel();
    const features = [{ name: 'role:manager', value: 1 }];
    for (let i = 0; i < 30; i++) model.update('taught', features, true);
    const taught = model.predict('taught', features).pMine;
    const fresh = model.predict('fresh', features).pMine;
    expect(fresh).toBeGreaterThan(0.5);
    expect(fresh).toBeLessThan(taught);
    expect(model.knowsRestaurant('fresh')).toBe(false);
  });
});

describe('Suggester learning a habit', () => {
  it("learns that the manager's change wins, and says so", async () => {
    const clock = new TestClock();
    const suggester = new Suggester({ now: clock.read });
    const before = await suggester.suggest(probe(clock, 'r-habit'));
    expect(before.suggestion.confidence).toBeLessThan(0.9);

    await decideStream(suggester, clock, 'r-habit', 60, true);
    clock.advance(3_600_000);
    const after = await suggester.suggest(probe(clock, 'r-habit'));
    expect(after.suggestion.basis).toEqual({ value: 'theirs' });
    expect(after.suggestion.changes).toEqual({});
    expect(after.suggestion.confidence).toBeGreaterThanOrEqual(0.9);
    expect(after.autoApply).toBe(true);
    expect(after.suggestion.reason).toBe('佐藤さんが10分前にシフトを変更しました。通常は店長の変更を優先しています。');

    const english = await suggester.suggest(probe(clock, 'r-habit', 'en'));
    expect(english.suggestion.reason).toBe("佐藤 changed the shift 10 minutes ago. Usually the store manager's change is kept.");
  });

  it('lowers its confidence below the threshold when the habit is contradicted', async () => {
    const clock = new TestClock();
    const suggester = new Suggester({ now: clock.read });
    await decideStream(suggester, clock, 'r-turn', 60, true);
    const sure = await suggester.suggest(probe(clock, 'r-turn'));
    expect(sure.suggestion.confidence).toBeGreaterThanOrEqual(0.9);

    await decideStream(suggester, clock, 'r-turn', 8, false);
    const unsure = await suggester.suggest(probe(clock, 'r-turn'));
    expect(unsure.suggestion.confidence).toBeLessThan(0.9);
    expect(unsure.autoApply).toBe(false);
  });

  it('gives a restaurant without history the prior of the others, below the threshold', async () => {
    const clock = new TestClock();
    const suggester = new Suggester({ now: clock.read });
    const untrained = await suggester.suggest(probe(clock, 'r-new'));
    expect(untrained.fields[0]!.pMine).toBeCloseTo(0.5, 6);

    await decideStream(suggester, clock, 'r-a', 50, true);
    await decideStream(suggester, clock, 'r-b', 50, true);
    const fresh = await suggester.suggest(probe(clock, 'r-fresh'));
    expect(fresh.suggestion.basis).toEqual({ value: 'theirs' });
    expect(fresh.fields[0]!.pMine).toBeLessThan(0.5);
    expect(fresh.suggestion.confidence).toBeLessThan(0.9);
    expect(fresh.suggestion.reason).toContain('全店舗の傾向から推定しています');
    expect(suggester.decisionsIn('r-fresh')).toBe(0);
  });

  it('keeps restaurants apart: an opposite habit elsewhere does not change a trained one', async () => {
    const clock = new TestClock();
    const suggester = new Suggester({ now: clock.read });
    await decideStream(suggester, clock, 'r-managers', 60, true);
    await decideStream(suggester, clock, 'r-editors', 60, false);
    const managers = await suggester.suggest(probe(clock, 'r-managers'));
    const editors = await suggester.suggest(probe(clock, 'r-editors'));
    expect(managers.suggestion.basis).toEqual({ value: 'theirs' });
    expect(editors.suggestion.basis).toEqual({ value: 'mine' });
    expect(editors.suggestion.changes).toEqual({ value: '×' });
  });
});

describe('Suggester settings and input', () => {
  it('learns nothing with learning off', async () => {
    const clock = new TestClock();
    const suggester = new Suggester({ now: clock.read, learning: false });
    await decideStream(suggester, clock, 'r-off', 40, true);
    const after = await suggester.suggest(probe(clock, 'r-off'));
    expect(after.fields[0]!.pMine).toBeCloseTo(0.5, 6);
    expect(suggester.decisionsIn('r-off')).toBe(0);
    expect(await suggester.record({ restaurantId: 'r-off', conflictId: 'anything', choices: { value: 'mine' } })).toEqual({
      recorded: false,
    });
  });

  it('ignores a decision on a conflict it never suggested, and on fields that were not in conflict', async () => {
    const clock = new TestClock();
    const suggester = new Suggester({ now: clock.read });
    expect(await suggester.record({ restaurantId: 'r-x', conflictId: 'unknown', choices: { value: 'mine' } })).toEqual({
      recorded: false,
    });
    const c = probe(clock, 'r-x');
    await suggester.suggest(c);
    expect(await suggester.record({ restaurantId: 'r-x', conflictId: c.conflictId, choices: { name: 'mine' } })).toEqual({
      recorded: false,
    });
    // Keys of Object.prototype are never field names (valibot drops them, leaving no choice).
    await expect(
      suggester.record({ restaurantId: 'r-x', conflictId: c.conflictId, choices: { constructor: 'mine' } }),
    ).rejects.toThrow(AssistInputError);
    expect(await suggester.record({ restaurantId: 'r-other', conflictId: c.conflictId, choices: { value: 'mine' } })).toEqual({
      recorded: false,
    });
    const { fields } = await suggester.suggest(probe(clock, 'r-x'));
    expect(fields[0]!.basis).toBe('mine'); // an untrained model leans to nothing; ties go to the person's own edit
    // Someone else signed in cannot settle it by naming its client's message.
    expect(
      await suggester.record({
        restaurantId: 'r-x',
        conflictId: c.conflictId,
        choices: { value: 'theirs' },
        decidedBy: 'u-intruder',
      }),
    ).toEqual({ recorded: false });
    expect(await suggester.record({ restaurantId: 'r-x', conflictId: c.conflictId, choices: { value: 'theirs' } })).toEqual({
      recorded: true,
      accepted: { value: false },
    });
    expect(suggester.stats()).toMatchObject({ suggested: 2, overridden: 1, accepted: 0 });
  });

  it('forgets an applied suggestion the server could not write: never counted, never accepted implicitly', async () => {
    const clock = new TestClock();
    const suggester = new Suggester({ now: clock.read, implicitAcceptMs: 60_000 });
    const same = (restaurantId: string) =>
      conflict(clock, {
        restaurantId,
        mine: people.suzuki,
        theirs: people.sato,
        collection: 'staff',
        fields: { name: { base: 'Sato', mine: 'SATO  HANAKO', theirs: 'Sato Hanako' } },
      });
    const first = same('r-race');
    expect((await suggester.suggest(first)).autoApply).toBe(true);
    await suggester.notApplied('r-race', first.conflictId);
    clock.advance(120_000);
    await suggester.suggest(same('r-race'));
    expect(suggester.stats()).toMatchObject({ suggested: 2, autoApplied: 1, implicitlyAccepted: 0 });
  });

  it('refuses bad input with every problem named, and counts nothing', async () => {
    const clock = new TestClock();
    const suggester = new Suggester({ now: clock.read });
    const good = conflict(clock, {
      restaurantId: 'r-bad',
      mine: people.suzuki,
      theirs: people.sato,
      fields: { value: { base: '', mine: '×', theirs: '△' } },
    });
    const bad = { ...good, language: 'fr', fields: {}, mine: { ...good.mine, at: 'yesterday' } };
    const error = await suggester.suggest(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AssistInputError);
    expect((error as AssistInputError).issues).toMatchObject({
      language: 'language must be ja or en',
      fields: 'fields must name 1 to 50 fields',
      'mine.at': 'mine.at must be an ISO-8601 time',
    });
    await expect(suggester.record({ restaurantId: 'r-bad', conflictId: 'c', choices: { value: 'both' } })).rejects.toThrow(
      'a choice must be mine, theirs or other',
    );
    expect(suggester.stats().suggested).toBe(0);
  });
});

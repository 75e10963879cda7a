import { describe, expect, it } from 'vitest';
import { RuleConfidence } from '../src/assist/calibration.ts';
import { IsotonicCalibrator, reliabilityTable, Suggester } from '../src/assist/index.ts';
import { conflict, people, TestClock } from './support/assist-conflicts.ts';

/** Confidence that means something (docs/assist.md, "Calibration"), on seeded synthetic streams. */

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('reliabilityTable', () => {
  it('bins stated confidence against the share that was right', () => {
    const points = [
      { confidence: 0.55, correct: true },
      { confidence: 0.58, correct: false },
      { confidence: 0.92, correct: true },
      { confidence: 1, correct: true },
    ];
    const { rows, ece } = reliabilityTable(points, [0.5, 0.6, 0.9, 1]);
    expect(rows).toEqual([
      { from: 0.5, to: 0.6, count: 2, meanConfidence: 0.565, accuracy: 0.5 },
      { from: 0.6, to: 0.9, count: 0, meanConfidence: 0, accuracy: 0 },
      { from: 0.9, to: 1, count: 2, meanConfidence: 0.96, accuracy: 1 },
    ]);
    expect(ece).toBeCloseTo((2 * 0.065 + 2 * 0.04) / 4, 10);
  });
});

describe('IsotonicCalibrator', () => {
  it('turns an overconfident model into calibrated, monotone confidence', () => {
    const random = seeded(7);
    // The model says r, but is right only 0.5 + 0.4 (r - 0.5) of the time.
    const truth = (raw: number) => 0.5 + 0.4 * (raw - 0.5);
    const calibrator = new IsotonicCalibrator();
    const rawPoints: { confidence: number; correct: boolean }[] = [];
    const calibratedPoints: { confidence: number; correct: boolean }[] = [];
    for (let i = 0; i < 8000; i++) {
      const raw = 0.5 + 0.5 * random();
      const correct = random() < truth(raw);
      if (i >= 2000) {
        rawPoints.push({ confidence: raw, correct });
        calibratedPoints.push({ confidence: calibrator.map(raw), correct });
      }
      calibrator.observe(raw, correct);
    }
    expect(reliabilityTable(rawPoints).ece).toBeGreaterThan(0.12);
    expect(reliabilityTable(calibratedPoints).ece).toBeLessThan(0.03);
    const grid = Array.from({ length: 51 }, (_, i) => calibrator.map(0.5 + i / 100));
    expect(grid.every((c, i) => i === 0 || c >= grid[i - 1]!)).toBe(true);
    expect(calibrator.map(0.97)).toBeCloseTo(truth(0.97), 1);
  });

  it('trusts the model where it has seen nothing', () => {
    const calibrator = new IsotonicCalibrator();
    expect(calibrator.map(0.775)).toBeCloseTo(0.775, 2);
    expect(calibrator.observations).toBe(0);
  });
});

describe('RuleConfidence', () => {
  it('starts at the rule prior and learns from overrides', () => {
    const rules = new RuleConfidence({ merged: 0.95 }, 50);
    expect(rules.confidence('merged')).toBeCloseTo(0.95, 10);
    for (let i = 0; i < 50; i++) rules.observe('merged', i % 2 === 0);
    expect(rules.confidence('merged')).toBeCloseTo((25 + 47.5) / 100, 10);
  });
});

describe('Suggester confidence on a noisy stream', () => {
  it('is calibrated: of the suggestions made at confidence c, about c are taken', async () => {
    const random = seeded(11);
    const clock = new TestClock();
    const suggester = new Suggester({ now: clock.read });
    const points: { confidence: number; correct: boolean }[] = [];
    const cells = ['', '×', '△', 'late', '★', '●'];
    // Six restaurants, each with a habit and its own share of choices against it (5% to 35%).
    for (let step = 0; step < 1800; step++) {
      const r = step % 6;
      const restaurantId = `r-cal-${r}`;
      clock.advance(20 * 60_000);
      const managerIsMine = random() < 0.5;
      const [base, mine, theirs] = [...cells].sort(() => random() - 0.5);
      const c = conflict(clock, {
        restaurantId,
        mine: managerIsMine ? people.sato : people.suzuki,
        theirs: random() < 0.2 ? people.database : managerIsMine ? people.tanaka : people.sato,
        fields: { value: { base, mine, theirs } },
      });
      const habitKeepsMine = r % 2 === 0 ? managerIsMine : c.theirs.clientId !== 'database';
      const keepsMine = random() < 0.05 + 0.06 * r ? !habitKeepsMine : habitKeepsMine;
      const { suggestion, autoApply, fields } = await suggester.suggest(c);
      const correct = fields[0]!.basis === (keepsMine ? 'mine' : 'theirs');
      if (step >= 300) points.push({ confidence: suggestion.confidence, correct });
      if (!autoApply || !correct) {
        await suggester.record({ restaurantId, conflictId: c.conflictId, choices: { value: keepsMine ? 'mine' : 'theirs' } });
      }
    }
    const { rows, ece } = reliabilityTable(points);
    expect(ece).toBeLessThan(0.05);
    for (const row of rows.filter((x) => x.count >= 100)) {
      expect(Math.abs(row.accuracy - row.meanConfidence)).toBeLessThan(0.08);
    }
    const confident = points.filter((p) => p.confidence >= 0.9);
    expect(confident.length).toBeGreaterThan(100);
    expect(confident.filter((p) => p.correct).length / confident.length).toBeGreaterThanOrEqual(0.88);
  });
});

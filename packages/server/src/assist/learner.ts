import { type CalibrationOptions, IsotonicCalibrator, RuleConfidence } from './calibration.ts';
import { conflictFeatures } from './features.ts';
import { fieldKind, mergeRule, sameValue } from './field-kinds.ts';
import { resolveObjectively } from './objective.ts';
import { type ModelOptions, ProbitModel } from './probit-model.ts';
import type { FieldReason } from './reason.ts';
import type { Choice, ConflictInput, FieldSuggestion } from './types.ts';

/**
 * The knowledge of the assisted resolution, without persistence: per field, an objective rule or
 * the model's prediction with a calibrated confidence; and learning from what people chose.
 */

/** How often each objective rule is expected to be taken before any override is seen. */
const RULE_PRIORS: Record<string, number> = { same: 0.99, contained: 0.97, merged: 0.95, unchanged: 0.93 };

/** Step size of the per-restaurant offset, and its pull back toward zero per decision. */
const OFFSET_RATE = 0.2;
const OFFSET_SHRINK = 0.01;

/** Features about one side (signed): the rest describe the conflict as a whole. */
const SIGNED = /^(role|database|change|cmp|later|further)/;

export interface LearnerOptions {
  model?: Partial<ModelOptions>;
  calibration?: Partial<CalibrationOptions>;
  /**
   * Until a restaurant has sent back `minOwnDecisions` choices, its learned suggestions' confidence
   * is at most `coldCap` (below the threshold): what other restaurants taught may pre-select an
   * answer, never decide one.
   */
  minOwnDecisions?: number;
  coldCap?: number;
}

export interface DecisionFacts {
  choices: Record<string, Choice>;
  values?: Record<string, unknown>;
}

export class Learner {
  readonly model: ProbitModel;
  readonly calibrator: IsotonicCalibrator;
  readonly rules = new RuleConfidence(RULE_PRIORS);
  private readonly decisions = new Map<string, number>();
  /** Per restaurant: how much more (or less) often than promised its learned suggestions were taken. */
  private readonly offsets = new Map<string, number>();

  private readonly minOwnDecisions: number;
  private readonly coldCap: number;

  constructor(options: LearnerOptions = {}) {
    this.minOwnDecisions = options.minOwnDecisions ?? 5;
    this.coldCap = options.coldCap ?? 0.85;
    this.model = new ProbitModel(options.model);
    this.calibrator = new IsotonicCalibrator(options.calibration);
  }

  /** The suggestion for one field, and what the reason should say about it. */
  suggestField(input: ConflictInput, field: string): { suggestion: FieldSuggestion; reason: FieldReason } {
    const values = input.fields[field]!;
    const kind = fieldKind(input.collection, field);
    const objective = resolveObjectively(kind, values, mergeRule(input.collection, field));
    if (objective) {
      const confidence = this.rules.confidence(objective.rule);
      return {
        suggestion: { field, ...objective, pMine: null, rawConfidence: confidence, confidence },
        reason: { field, basis: objective.basis, rule: objective.rule },
      };
    }
    const features = conflictFeatures(input, field, kind, values);
    const prediction = this.model.predict(input.restaurantId, features);
    const basis = prediction.pMine >= 0.5 ? 'mine' : 'theirs';
    const rawConfidence = Math.max(prediction.pMine, 1 - prediction.pMine);
    const toward = basis === 'mine' ? 1 : -1;
    // The reason names the feature that pulled hardest toward the suggestion; one that the
    // suggested side has ("the manager's change") reads better than one the other side lacks
    // ("not the editor's"), so it gets a head start.
    let top: { name: string; value: number; score: number } | undefined;
    features.forEach((f, i) => {
      const pull = prediction.contributions[i]!.value * toward;
      if (pull <= 0) return;
      const score = SIGNED.test(f.name) && f.value * toward > 0 ? 1.5 * pull : pull;
      if (!top || score > top.score) top = { name: f.name, value: f.value, score };
    });
    const cold = this.decisionsIn(input.restaurantId) < this.minOwnDecisions;
    const calibrated = this.restaurantCalibrated(input.restaurantId, this.calibrator.map(rawConfidence));
    return {
      suggestion: {
        field,
        basis,
        value: basis === 'mine' ? values.mine : values.theirs,
        rule: 'learned',
        pMine: prediction.pMine,
        rawConfidence,
        confidence: cold ? Math.min(calibrated, this.coldCap) : calibrated,
      },
      reason: { field, basis, rule: 'learned', ...(top ? { top: { name: top.name, value: top.value } } : {}) },
    };
  }

  /**
   * Learn what the person chose for each suggested field. Returns, per field decided, whether the
   * suggestion was taken. A learned field updates the model (when the person took one side) and
   * the calibration; an objective one its rule's record.
   */
  learn(input: ConflictInput, fields: readonly FieldSuggestion[], decision: DecisionFacts): Record<string, boolean> {
    const accepted: Record<string, boolean> = {};
    for (const suggested of fields) {
      const choice = decision.choices[suggested.field];
      const values = input.fields[suggested.field];
      if (!choice || !values) continue;
      const kind = fieldKind(input.collection, suggested.field);
      const chosen = choice === 'mine' ? values.mine : choice === 'theirs' ? values.theirs : decision.values?.[suggested.field];
      const taken =
        choice === 'other' && chosen === undefined ? suggested.basis === 'merged' : sameValue(kind, chosen, suggested.value);
      accepted[suggested.field] = taken;
      if (suggested.rule !== 'learned') {
        this.rules.observe(suggested.rule, taken);
        continue;
      }
      this.observeOffset(input.restaurantId, this.calibrator.map(suggested.rawConfidence), taken);
      this.calibrator.observe(suggested.rawConfidence, taken);
      if (choice !== 'other' && !sameValue(kind, values.mine, values.theirs)) {
        this.model.update(input.restaurantId, conflictFeatures(input, suggested.field, kind, values), choice === 'mine');
      }
    }
    if (Object.keys(accepted).length > 0) this.decisions.set(input.restaurantId, this.decisionsIn(input.restaurantId) + 1);
    return accepted;
  }

  /**
   * The calibration is shared by all restaurants, but restaurants differ in how consistently their
   * people decide beyond what the model sees: one without a habit (or with one on something that
   * is no feature) would get the confidence of a consistent one, and the consistent ones would pay
   * for it, since the shared calibration learns from both. So each restaurant's own record moves
   * its confidence: an offset on the log-odds of the calibrated confidence (the intercept of a
   * Platt scaling per restaurant), fitted online on the log loss of its learned decisions and
   * pulled back toward zero (docs/assist.md, "Calibration").
   */
  restaurantCalibrated(restaurantId: string, calibrated: number): number {
    const logit = Math.log(calibrated / (1 - calibrated)) + (this.offsets.get(restaurantId) ?? 0);
    // A choice of two: the side suggested is, at worst, a coin flip.
    return Math.min(0.999, Math.max(0.5, 1 / (1 + Math.exp(-logit))));
  }

  /** One step of gradient descent on the log loss, with a pull back toward zero. */
  private observeOffset(restaurantId: string, calibrated: number, taken: boolean): void {
    const offset = this.offsets.get(restaurantId) ?? 0;
    const error = (taken ? 1 : 0) - this.restaurantCalibrated(restaurantId, calibrated);
    this.offsets.set(restaurantId, (1 - OFFSET_SHRINK) * offset + OFFSET_RATE * error);
  }

  decisionsIn(restaurantId: string): number {
    return this.decisions.get(restaurantId) ?? 0;
  }

  forget(restaurantId: string): void {
    this.model.forgetRestaurant(restaurantId);
    this.decisions.delete(restaurantId);
    this.offsets.delete(restaurantId);
  }
}

/** The choices that take a suggestion as it is (an auto-applied one nobody corrected). */
export function choicesTaking(fields: readonly FieldSuggestion[]): DecisionFacts {
  const choices: Record<string, Choice> = {};
  const values: Record<string, unknown> = {};
  for (const f of fields) {
    choices[f.field] = f.basis === 'merged' ? 'other' : f.basis;
    if (f.basis === 'merged') values[f.field] = f.value;
  }
  return { choices, values };
}

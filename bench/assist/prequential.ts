// The prequential evaluation of assisted conflict resolution: each suggestion is scored before the
// person's choice is revealed, then the choice is fed back, as the server would (a dialog's
// `resolves`, or a correction of an applied suggestion). The resolver is an interface, so the same
// core can drive the Suggester in process or a real server over the protocol.

import { fieldKind, sameValue } from '../../packages/server/src/assist/field-kinds.ts';
import {
  type ConflictInput,
  type DecisionInput,
  type Reliability,
  reliabilityTable,
  type Suggestion,
} from '../../packages/server/src/assist/index.ts';
import { HABITS, seededRandom } from './people.ts';
import type { TraceEntry } from './trace.ts';

export interface Resolver {
  suggest(conflict: ConflictInput): Promise<{ suggestion: Suggestion; autoApply: boolean }>;
  record(decision: DecisionInput): Promise<unknown>;
  /** Move the resolver's clock (virtual time of the trace); a real server ignores it. */
  setTime?(ms: number): void;
}

export interface EvaluateOptions {
  /** Share of wrong applied suggestions that people notice and correct (the rest stand as accepted). */
  notice: number;
  seed: number;
}

export interface Scored {
  restaurantId: string;
  habit: string;
  /** Conflicts of this restaurant before this one. */
  index: number;
  /** Choices people of this restaurant sent back before this conflict (dialogs and corrections). */
  decisionsBefore: number;
  confidence: number;
  correct: boolean;
  autoApplied: boolean;
  objective: boolean;
  objectiveCorrect: boolean | null;
}

/** The value the suggestion leaves in `field`: its change, or what is there ("theirs"). */
function suggestedValue(entry: TraceEntry, suggestion: Suggestion, field: string): unknown {
  return field in suggestion.changes ? suggestion.changes[field] : entry.conflict.fields[field]!.theirs;
}

function matches(entry: TraceEntry, suggestion: Suggestion, wanted: Record<string, unknown>): boolean {
  return Object.entries(wanted).every(([field, value]) =>
    sameValue(fieldKind(entry.conflict.collection, field), suggestedValue(entry, suggestion, field), value),
  );
}

export async function evaluate(trace: readonly TraceEntry[], resolver: Resolver, options: EvaluateOptions): Promise<Scored[]> {
  const random = seededRandom(options.seed ^ 0x5eed);
  const seen = new Map<string, number>();
  const decided = new Map<string, number>();
  const scored: Scored[] = [];
  for (const entry of trace) {
    const { restaurantId, conflictId } = entry.conflict;
    resolver.setTime?.(entry.at);
    const { suggestion, autoApply } = await resolver.suggest(entry.conflict);
    const correct = matches(entry, suggestion, entry.decision.values);
    const index = seen.get(restaurantId) ?? 0;
    seen.set(restaurantId, index + 1);
    scored.push({
      restaurantId,
      habit: entry.habit,
      index,
      decisionsBefore: decided.get(restaurantId) ?? 0,
      confidence: suggestion.confidence,
      correct,
      autoApplied: autoApply,
      objective: entry.objective !== null,
      objectiveCorrect: entry.objective ? matches(entry, suggestion, entry.objective) : null,
    });
    // A dialog always ends in a choice; an applied suggestion only when someone notices it was wrong.
    if (!autoApply || (!correct && random() < options.notice)) {
      resolver.setTime?.(entry.at + 60_000);
      await resolver.record({ restaurantId, conflictId, choices: entry.decision.choices, values: entry.decision.values });
      decided.set(restaurantId, (decided.get(restaurantId) ?? 0) + 1);
    }
  }
  return scored;
}

interface Slice {
  n: number;
  accuracy: number;
  confident: number;
  confidentAccuracy: number;
  /** Share decided without the person: at or above the threshold. */
  coverage: number;
}

export interface Report {
  threshold: number;
  after: number;
  all: Slice;
  /** A restaurant's conflicts once its people have sent back `after` choices. */
  afterWarmUp: Slice;
  learnableAfterWarmUp: Slice;
  /** After the warm-up, learned suggestions only (objectively resolvable conflicts left out). */
  learnedAfterWarmUp: Slice;
  /** A restaurant's conflicts from its `after + 1`st conflict on, however many choices came back. */
  afterConflicts: Slice;
  /** The learning curve: by how many choices the restaurant had sent back before. */
  stages: { from: number; to: number; slice: Slice }[];
  objective: { n: number; resolvedRight: number; applied: number };
  reliability: Reliability;
  restaurants: { restaurantId: string; habit: string; learnable: boolean; afterWarmUp: Slice }[];
}

function slice(points: readonly Scored[]): Slice {
  const confident = points.filter((p) => p.autoApplied);
  const share = (list: readonly Scored[], test: (p: Scored) => boolean) =>
    list.length ? list.filter(test).length / list.length : 0;
  return {
    n: points.length,
    accuracy: share(points, (p) => p.correct),
    confident: confident.length,
    confidentAccuracy: share(confident, (p) => p.correct),
    coverage: share(points, (p) => p.autoApplied),
  };
}

const STAGES = [0, 10, 30, 60, 100, Number.POSITIVE_INFINITY];

export function summarize(scored: readonly Scored[], threshold: number, after = 30): Report {
  const late = scored.filter((p) => p.decisionsBefore >= after);
  const learnable = (p: Scored) => HABITS[p.habit]?.learnable ?? true;
  const objective = scored.filter((p) => p.objective);
  const restaurants = [...new Set(scored.map((p) => p.restaurantId))].map((restaurantId) => {
    const habit = scored.find((p) => p.restaurantId === restaurantId)!.habit;
    return {
      restaurantId,
      habit,
      learnable: HABITS[habit]?.learnable ?? true,
      afterWarmUp: slice(late.filter((p) => p.restaurantId === restaurantId)),
    };
  });
  return {
    threshold,
    after,
    all: slice(scored),
    afterWarmUp: slice(late),
    learnableAfterWarmUp: slice(late.filter(learnable)),
    learnedAfterWarmUp: slice(late.filter((p) => !p.objective)),
    afterConflicts: slice(scored.filter((p) => p.index >= after)),
    stages: STAGES.slice(0, -1).map((from, i) => ({
      from,
      to: STAGES[i + 1]!,
      slice: slice(scored.filter((p) => learnable(p) && p.decisionsBefore >= from && p.decisionsBefore < STAGES[i + 1]!)),
    })),
    objective: {
      n: objective.length,
      resolvedRight: objective.length ? objective.filter((p) => p.objectiveCorrect).length / objective.length : 0,
      applied: objective.length ? objective.filter((p) => p.autoApplied).length / objective.length : 0,
    },
    reliability: reliabilityTable(scored),
    restaurants,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function sliceRow(name: string, s: Slice): string {
  return `| ${name} | ${s.n} | ${pct(s.accuracy)} | ${s.confident} | ${s.confident ? pct(s.confidentAccuracy) : '-'} | ${pct(s.coverage)} |`;
}

/** The report as Markdown tables, as they go into bench/RESULTS.md. */
export function formatReport(r: Report): string {
  const lines = [
    `Threshold ${r.threshold}. "After ${r.after} decisions": a restaurant's conflicts once its people have sent back ${r.after} choices (dialogs and corrections).`,
    '',
    '| slice | conflicts | accuracy | at/above threshold | their accuracy | coverage |',
    '| --- | --- | --- | --- | --- | --- |',
    sliceRow('all', r.all),
    sliceRow(`after ${r.after} decisions`, r.afterWarmUp),
    sliceRow(`after ${r.after} decisions, learnable habits only`, r.learnableAfterWarmUp),
    sliceRow(`after ${r.after} decisions, not objectively resolvable`, r.learnedAfterWarmUp),
    sliceRow(`from a restaurant's ${r.after + 1}st conflict`, r.afterConflicts),
    '',
    'Learning curve (learnable habits), by the choices a restaurant had sent back before the conflict:',
    '',
    '| choices before | conflicts | accuracy | at/above threshold | their accuracy | coverage |',
    '| --- | --- | --- | --- | --- | --- |',
    ...r.stages.map((st) => sliceRow(`${st.from}–${Number.isFinite(st.to) ? st.to - 1 : ''}`, st.slice)),
    '',
    `Objectively resolvable: ${r.objective.n} conflicts, ${pct(r.objective.resolvedRight)} resolved right, ${pct(r.objective.applied)} applied without the person.`,
    '',
    `Reliability (all suggestions; expected calibration error ${r.reliability.ece.toFixed(3)}):`,
    '',
    '| stated confidence | suggestions | mean confidence | share right |',
    '| --- | --- | --- | --- |',
    ...r.reliability.rows.map(
      (row) =>
        `| ${row.from.toFixed(2)}–${row.to.toFixed(2)} | ${row.count} | ${row.count ? row.meanConfidence.toFixed(3) : '-'} | ${row.count ? pct(row.accuracy) : '-'} |`,
    ),
    '',
    `Per restaurant, after ${r.after} decisions:`,
    '',
    '| restaurant | habit | learnable | conflicts | accuracy | at/above threshold | their accuracy | coverage |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.restaurants.map(
      (x) =>
        `| ${x.restaurantId} | ${x.habit} | ${x.learnable ? 'yes' : 'no'} | ${x.afterWarmUp.n} | ${pct(x.afterWarmUp.accuracy)} | ${x.afterWarmUp.confident} | ${x.afterWarmUp.confident ? pct(x.afterWarmUp.confidentAccuracy) : '-'} | ${pct(x.afterWarmUp.coverage)} |`,
    ),
  ];
  return lines.join('\n');
}

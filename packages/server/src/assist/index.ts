/**
 * Assisted conflict resolution (docs/assist.md): objective three-way resolution of fields that do
 * not really collide, a small online model of how each restaurant's people decide the rest, and
 * calibrated confidence. Server only: nothing here reaches the client bundle.
 */
export * from './assist-store.ts';
export { IsotonicCalibrator, type Reliability, type ReliabilityRow, reliabilityTable } from './calibration.ts';
export { resolveObjectively } from './objective.ts';
export { Suggester, type SuggesterOptions } from './suggester.ts';
export { mergeThreeWay, resolveText } from './text-merge.ts';
export * from './types.ts';
export { AssistInputError, parseConflictInput, parseDecisionInput } from './validate.ts';

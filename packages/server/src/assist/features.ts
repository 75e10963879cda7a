import { DATABASE_CLIENT_ID } from '@staff-sync/protocol';
import { cellCategory, type FieldKind, monthsApart, periodDay } from './field-kinds.ts';
import { distanceTokens } from './normalize.ts';
import type { Feature } from './probit-model.ts';
import { indelDistance } from './text-merge.ts';
import type { ConflictInput, Edit, FieldValues } from './types.ts';

/**
 * The features of one conflicting field (docs/assist.md, "Features"). A feature about one side is
 * signed: +1 when "mine" has it, -1 when "theirs" has it, so one weight says which way it pulls
 * and a property both sides share cancels out. Context features (the field, the time between the
 * edits, who decides) shift the person's general leaning.
 */
export function conflictFeatures(input: ConflictInput, field: string, kind: FieldKind, values: FieldValues): Feature[] {
  const features: Feature[] = [
    { name: 'bias', value: 1 },
    { name: `field:${input.collection}.${field}`, value: 1 },
    { name: `gap:${gapBucket(input.mine, input.theirs)}`, value: 1 },
  ];
  const signed = new Map<string, number>();
  const add = (name: string, value: number) => signed.set(name, (signed.get(name) ?? 0) + value);

  const mineAt = Date.parse(input.mine.at);
  const theirsAt = Date.parse(input.theirs.at);
  if (mineAt !== theirsAt) {
    add('later', mineAt > theirsAt ? 1 : -1);
    add(`later@${input.collection}`, mineAt > theirsAt ? 1 : -1);
  }
  // Who made an edit may weigh differently for staff fields and for cells: these features come
  // twice, alone and scoped to the collection.
  for (const scope of ['', `@${input.collection}`]) {
    if (isDatabase(input.mine)) add(`database${scope}`, 1);
    if (isDatabase(input.theirs)) add(`database${scope}`, -1);
    if (input.mine.role) add(`role:${input.mine.role}${scope}`, 1);
    if (input.theirs.role) add(`role:${input.theirs.role}${scope}`, -1);
  }
  add(`change:${changeKind(kind, field, values.base, values.mine)}`, 1);
  add(`change:${changeKind(kind, field, values.base, values.theirs)}`, -1);
  add(`cmp:${field}`, compare(kind, values.mine, values.theirs));
  const further = Math.sign(distance(kind, values.base, values.mine) - distance(kind, values.base, values.theirs));
  add('further', further);

  for (const [name, value] of signed) if (value !== 0) features.push({ name, value });
  if (input.mine.userId) features.push({ name: `decider:${input.mine.userId}`, value: 1 });
  return features;
}

export function isDatabase(edit: Edit): boolean {
  return edit.clientId === DATABASE_CLIENT_ID;
}

const MINUTE = 60_000;

/** How long before the stale edit the other one was made, in a few buckets. */
function gapBucket(mine: Edit, theirs: Edit): string {
  const gap = Math.abs(Date.parse(mine.at) - Date.parse(theirs.at));
  if (!Number.isFinite(gap)) return 'unknown';
  if (gap < MINUTE) return '<1m';
  if (gap < 10 * MINUTE) return '<10m';
  if (gap < 60 * MINUTE) return '<1h';
  if (gap < 24 * 60 * MINUTE) return '<1d';
  return '>=1d';
}

/** What an edit did to the base value, in words the model and the reasons share. */
function changeKind(kind: FieldKind, field: string, base: unknown, value: unknown): string {
  switch (kind) {
    case 'cell':
      return `cell:${cellCategory(base)}>${cellCategory(value)}`;
    case 'period-start':
    case 'period-end': {
      const [from, to] = [periodDay(kind, base), periodDay(kind, value)];
      if (to === null) return `${field}:open`;
      if (from === null) return `${field}:set`;
      return to > from ? `${field}:later` : to < from ? `${field}:earlier` : `${field}:same`;
    }
    case 'boolean':
      return `${field}:${value === true}`;
    case 'enum':
      return `${field}=${String(value)}`;
    case 'number':
      return `${field}:${Number(value) > Number(base) ? 'up' : 'down'}`;
    case 'text':
    case 'color': {
      if (value === null || value === '') return `${field}:cleared`;
      const [from, to] = [String(base ?? '').length, String(value).length];
      return `${field}:${to > from ? 'longer' : to < from ? 'shorter' : 'rewritten'}`;
    }
    default:
      return `${field}:changed`;
  }
}

/** +1 when "mine" is the later period, the working cell, the larger number, true; -1 the other way. */
function compare(kind: FieldKind, mine: unknown, theirs: unknown): number {
  switch (kind) {
    case 'period-start':
    case 'period-end': {
      // An open end is the latest of all; an open start the earliest.
      const open = kind === 'period-end' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
      return Math.sign((periodDay(kind, mine) ?? open) - (periodDay(kind, theirs) ?? open)) || 0;
    }
    case 'cell': {
      const rank = { off: 0, cleared: 1, custom: 2, working: 3 } as const;
      return Math.sign(rank[cellCategory(mine)] - rank[cellCategory(theirs)]);
    }
    case 'number':
      return Math.sign(Number(mine) - Number(theirs)) || 0;
    case 'boolean':
      return mine === theirs ? 0 : mine === true ? 1 : -1;
    default:
      return 0;
  }
}

/** How far an edit moved the value from the base, in the field's own unit. */
function distance(kind: FieldKind, base: unknown, value: unknown): number {
  switch (kind) {
    case 'text':
      return indelDistance(distanceTokens(String(base ?? '')), distanceTokens(String(value ?? '')));
    case 'period-start':
    case 'period-end':
      return base === null || value === null ? 12 : monthsApart(base, value);
    case 'number':
      return Math.abs(Number(value) - Number(base)) || 0;
    default:
      return 0;
  }
}

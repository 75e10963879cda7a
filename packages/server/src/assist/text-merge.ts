import { diff3Merge, diffComm } from 'node-diff3';
import { distanceTokens, mergeTokens, normalizeText } from './normalize.ts';
import type { Basis } from './types.ts';

export interface TextResolution {
  value: string;
  basis: Basis;
  rule: 'same' | 'contained' | 'merged' | 'unchanged';
}

/**
 * Resolve two edits of one text field from the same base, or say it cannot (null): the person
 * decides, helped by the model. In order (docs/assist.md):
 * 1. the two values are the same once normalized: keep what is there;
 * 2. one side changed only spacing, width or case, which is no change of value: the other side;
 * 3. (`merge`: fields like a name, made of parts) a clean three-way merge (node-diff3, word by
 *    word for Latin, by code point otherwise), where an insertion right before or after the other
 *    side's rewrite of a span is placed around it;
 * 4. one side's edit, which kept most of the base, is already part of the other's: the other side.
 */
export function resolveText(
  base: string,
  mine: string,
  theirs: string,
  options: { merge: boolean; maxLength?: number },
): TextResolution | null {
  if (mine === theirs || normalizeText(mine) === normalizeText(theirs)) return { value: theirs, basis: 'theirs', rule: 'same' };
  if (normalizeText(mine) === normalizeText(base)) return { value: theirs, basis: 'theirs', rule: 'unchanged' };
  if (normalizeText(theirs) === normalizeText(base)) return { value: mine, basis: 'mine', rule: 'unchanged' };

  const merged = options.merge ? mergeThreeWay(base, mine, theirs) : null;
  if (merged !== null && (options.maxLength === undefined || merged.trim().length <= options.maxLength)) {
    if (merged === theirs) return { value: theirs, basis: 'theirs', rule: 'contained' };
    if (merged === mine) return { value: mine, basis: 'mine', rule: 'contained' };
    if (merged.trim().length > 0) return { value: merged, basis: 'merged', rule: 'merged' };
  }

  // Both must be edits of the base: a value that replaced it outright contains nothing of the
  // other edit, even when it shares a character with it ("ホール" -> "ホール長" and "副店長").
  const [b, m, t] = [distanceTokens(base), distanceTokens(mine), distanceTokens(theirs)];
  if (!isEditOf(b, m) || !isEditOf(b, t)) return null;
  if (liesBetween(b, m, t)) return { value: theirs, basis: 'theirs', rule: 'contained' };
  if (liesBetween(b, t, m)) return { value: mine, basis: 'mine', rule: 'contained' };
  return null;
}

/**
 * `value` keeps at least half of `base`: an edit of it, not a new value. Two people who each
 * replaced "ホール係" outright ("料理長", "副料理長") chose different things, even though one
 * text holds the other.
 */
function isEditOf(base: string[], value: string[]): boolean {
  return 2 * commonLength(base, value) >= base.length;
}

/** The three-way merge of the raw texts, or null when the two edits overlap. */
export function mergeThreeWay(base: string, mine: string, theirs: string): string | null {
  const regions = diff3Merge(mergeTokens(mine), mergeTokens(base), mergeTokens(theirs), { excludeFalseConflicts: true });
  const out: string[] = [];
  for (const region of regions) {
    if (region.ok) {
      out.push(...region.ok);
      continue;
    }
    const c = region.conflict;
    if (!c) continue;
    const joined = spliceAround(c.a, c.o, c.b) ?? spliceAround(c.b, c.o, c.a);
    if (joined === null) return null;
    out.push(...joined);
  }
  return out.join('');
}

/**
 * diff3 counts edits that touch as overlapping. When `inserting` only adds tokens before or after
 * the whole base span and `rewriting` does not itself insert at that same end, there is one
 * order that keeps both: the insertion around the rewrite (a family name corrected, a given name
 * appended).
 */
function spliceAround(rewriting: string[], base: string[], inserting: string[]): string[] | null {
  if (inserting.length <= base.length) return null;
  const appended = startsWith(inserting, base);
  const prepended = endsWith(inserting, base);
  if (appended && !(startsWith(rewriting, base) && rewriting.length > base.length)) {
    return [...rewriting, ...inserting.slice(base.length)];
  }
  if (prepended && !(endsWith(rewriting, base) && rewriting.length > base.length)) {
    return [...inserting.slice(0, inserting.length - base.length), ...rewriting];
  }
  return null;
}

function startsWith(list: string[], prefix: string[]): boolean {
  return prefix.every((token, i) => list[i] === token);
}

function endsWith(list: string[], suffix: string[]): boolean {
  const offset = list.length - suffix.length;
  return suffix.every((token, i) => list[offset + i] === token);
}

/** Insertions plus deletions that turn one token list into the other (a metric). */
export function indelDistance(a: string[], b: string[]): number {
  return a.length + b.length - 2 * commonLength(a, b);
}

/** The length of the longest common subsequence. */
function commonLength(a: string[], b: string[]): number {
  let common = 0;
  for (const part of diffComm(a, b)) if (part.common) common += part.common.length;
  return common;
}

/**
 * `via` lies on a shortest edit path from `from` to `to`: `to` could have been made by editing
 * `via` without undoing any of `from -> via`, so the edit `from -> via` is already in `to`.
 */
function liesBetween(from: string[], via: string[], to: string[]): boolean {
  const first = indelDistance(from, via);
  return first > 0 && first + indelDistance(via, to) === indelDistance(from, to);
}

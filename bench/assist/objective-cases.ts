// Objectively resolvable conflicts for the benchmark: the right resolution is known without asking
// anyone (docs/assist.md, "Objective resolution"), so the share resolved right is measured exactly.
import type { FieldValues } from '../../packages/server/src/assist/index.ts';
import { pick } from './people.ts';

export interface ObjectiveCase {
  collection: string;
  key: string;
  fields: Record<string, FieldValues>;
  /** The right value of each field. */
  expected: Record<string, unknown>;
}

/** [correct, misspelt] family names. */
const TYPOS: [string, string][] = [
  ['佐藤', '佐籐'],
  ['斎藤', '斉藤'],
  ['髙橋', '高橋'],
  ['渡邊', '渡辺'],
  ['Sato', 'Satou'],
  ['Suzuki', 'Suzki'],
  ['Takahashi', 'Takahasi'],
  ['Watanabe', 'Watanbe'],
];
const GIVEN_JA = ['花子', '太郎', '美咲', '健太', '陽菜', '翔太'];
const GIVEN_EN = ['Hanako', 'Taro', 'Misaki', 'Kenta', 'Hina', 'Shota'];
const isLatin = (s: string) => /^[A-Za-z]/.test(s);

/** Full-width ASCII letters and digits, the way a Japanese IME types them. */
function fullWidth(text: string): string {
  return text.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).replace(/ /g, '\u3000');
}

/** The same text as a person might retype it: full-width, upper case, or with stray spaces. */
function variant(random: () => number, text: string): string {
  const how = Math.floor(random() * 3);
  if (how === 0) return fullWidth(text);
  if (how === 1) return isLatin(text) ? text.toUpperCase() : ` ${text.replace(' ', '\u3000')} `;
  return `${text.replace(' ', '  ')} `;
}

function swapSides(random: () => number, c: ObjectiveCase): ObjectiveCase {
  if (random() < 0.5) return c;
  const fields = Object.fromEntries(
    Object.entries(c.fields).map(([f, v]) => [f, { base: v.base, mine: v.theirs, theirs: v.mine }]),
  );
  return { ...c, fields };
}

function givenFor(random: () => number, family: string): string {
  return pick(random, isLatin(family) ? GIVEN_EN : GIVEN_JA);
}

const KINDS: ((random: () => number) => ObjectiveCase)[] = [
  // One side fixes a typo in the family name, the other adds the given name: both are kept.
  (random) => {
    const [correct, typo] = pick(random, TYPOS);
    const given = givenFor(random, correct);
    const name = { base: typo, mine: correct, theirs: `${typo} ${given}` };
    return swapSides(random, {
      collection: 'staff',
      key: 'staff-name',
      fields: { name },
      expected: { name: `${correct} ${given}` },
    });
  },
  // One side fixes the family name, the other changes the given name.
  (random) => {
    const [correct, typo] = pick(random, TYPOS);
    const [g1, g2] = [givenFor(random, correct), givenFor(random, correct)];
    if (g1 === g2) return KINDS[0]!(random);
    const name = { base: `${typo} ${g1}`, mine: `${correct} ${g1}`, theirs: `${typo} ${g2}` };
    return swapSides(random, {
      collection: 'staff',
      key: 'staff-name',
      fields: { name },
      expected: { name: `${correct} ${g2}` },
    });
  },
  // Both typed the same new name, one in another width, case or spacing: what is there stays.
  (random) => {
    const [correct, typo] = pick(random, TYPOS);
    const given = givenFor(random, correct);
    const name = { base: typo, mine: variant(random, `${correct} ${given}`), theirs: `${correct} ${given}` };
    return { collection: 'staff', key: 'staff-name', fields: { name }, expected: { name: name.theirs } };
  },
  // One side's edit is already in the other's.
  (random) => {
    const [correct] = pick(random, TYPOS);
    const given = givenFor(random, correct);
    const suffix = isLatin(correct) ? ' (Hall)' : '（ホール）';
    const name = { base: correct, mine: `${correct} ${given}`, theirs: `${correct} ${given}${suffix}` };
    const c = swapSides(random, { collection: 'staff', key: 'staff-name', fields: { name }, expected: {} });
    return { ...c, expected: { name: `${correct} ${given}${suffix}` } };
  },
  // One side only retyped the position in another width: the other side's real change stays.
  (random) => {
    const position = { base: 'ホール係', mine: 'ﾎｰﾙ係', theirs: pick(random, ['料理長', 'キッチン補助', '洗い場']) };
    const c = swapSides(random, { collection: 'staff', key: 'staff-position', fields: { position }, expected: {} });
    const v = c.fields.position!;
    return { ...c, expected: { position: v.mine === 'ﾎｰﾙ係' ? v.theirs : v.mine } };
  },
  // A custom cell text typed twice, in different widths.
  (random) => {
    const text = pick(random, ['MTG', '研修', 'Inventory', '棚卸し']);
    const value = { base: '×', mine: variant(random, text).trim() || text, theirs: text };
    return { collection: 'shift', key: 'staff-cell/2026-02-10', fields: { value }, expected: { value: text } };
  },
  // The same end period, once with its last day and once without (a missing day counts as 31).
  (random) => {
    const month = 1 + Math.floor(random() * 12);
    const day = new Date(Date.UTC(2026, month, 0)).getUTCDate();
    const endPeriod = { base: null, mine: { year: 2026, month, day }, theirs: { year: 2026, month } };
    return { collection: 'staff', key: 'staff-end', fields: { endPeriod }, expected: { endPeriod: endPeriod.theirs } };
  },
];

export function objectiveCase(random: () => number): ObjectiveCase {
  return pick(random, KINDS)(random);
}

// Conflict traces for the assisted-resolution benchmark (bench/README.md): several simulated
// restaurants whose people decide by their habit (people.ts), with noise, plus objectively
// resolvable conflicts whose right resolution is known. Seeded: the same options give the same trace.

import { fieldKind, mergeRule } from '../../packages/server/src/assist/field-kinds.ts';
import { type Choice, type ConflictInput, type Edit, resolveObjectively } from '../../packages/server/src/assist/index.ts';
import { objectiveCase } from './objective-cases.ts';
import { HABITS, type Person, peopleOf, pick, seededRandom } from './people.ts';

export interface TraceEntry {
  /** Virtual time of the conflict (ms since the epoch). */
  at: number;
  habit: string;
  conflict: ConflictInput & { conflictId: string };
  /** What the person chose, and the value each field ended with. */
  decision: { choices: Record<string, Choice>; values: Record<string, unknown> };
  /** For an objectively resolvable conflict: the right value of each field; else null. */
  objective: Record<string, unknown> | null;
}

export interface TraceOptions {
  seed: number;
  restaurants: number;
  conflictsPerRestaurant: number;
  /** Share of choices that go against the habit. */
  noise: number;
  /** Share of conflicts that are objectively resolvable. */
  objectiveShare: number;
  /** Share of conflicts whose other edit was made in the database. */
  databaseShare: number;
}

const DEFAULT_TRACE: TraceOptions = {
  seed: 1,
  restaurants: 16,
  conflictsPerRestaurant: 150,
  noise: 0.05,
  objectiveShare: 0.2,
  databaseShare: 0.15,
};

const MINUTE = 60_000;
const START = Date.parse('2026-01-05T09:00:00Z');
const POSITIONS = [
  '料理長',
  'ホール係',
  '洗い場',
  'キッチン補助',
  'バーテンダー',
  'Sommelier',
  'Head Chef',
  'Cashier',
  '店長代理',
];
const DEPARTMENTS = ['調理', 'ホール', '管理'];
const STATUSES = ['社員', '派遣', 'パート'];
const WORKING = ['', '△', 'late', '●'];
const OFF = ['×', '★'];

export function generateTrace(options: Partial<TraceOptions> = {}): TraceEntry[] {
  const o = { ...DEFAULT_TRACE, ...options };
  const random = seededRandom(o.seed);
  const habits = Object.keys(HABITS);
  const entries: TraceEntry[] = [];
  for (let r = 0; r < o.restaurants; r++) {
    const habit = habits[r % habits.length]!;
    const people = peopleOf(r, random);
    const restaurantId = `bench-r${r}-${habit}`;
    let t = START + Math.floor(random() * 60 * MINUTE);
    for (let i = 0; i < o.conflictsPerRestaurant; i++) {
      t += Math.floor(-Math.log(1 - random()) * 180 * MINUTE) + MINUTE; // about every 3 hours
      entries.push(conflictAt(o, random, restaurantId, habit, people, t, i));
    }
  }
  return entries.sort((a, b) => a.at - b.at);
}

function conflictAt(
  o: TraceOptions,
  random: () => number,
  restaurantId: string,
  habit: string,
  people: Person[],
  t: number,
  i: number,
): TraceEntry {
  const minePerson = pick(random, people);
  const theirsPerson = pick(
    random,
    people.filter((p) => p !== minePerson),
  );
  const gap = Math.floor(Math.exp(Math.log(20_000) + random() * Math.log((2 * 24 * 60 * MINUTE) / 20_000)));
  const theirsAt = t - gap;
  // Most stale edits are saved just now; some were made offline, before the other edit.
  const mineAt = random() < 0.2 ? theirsAt - Math.floor(random() * gap) : t - Math.floor(random() * 2 * MINUTE);
  const mine: Edit = { ...personEdit(minePerson), at: new Date(mineAt).toISOString() };
  const theirs: Edit =
    random() < o.databaseShare
      ? { userId: null, userName: null, role: null, clientId: 'database', at: new Date(theirsAt).toISOString() }
      : { ...personEdit(theirsPerson), at: new Date(theirsAt).toISOString() };
  const base = {
    restaurantId,
    conflictId: `${minePerson.userId}:${i}`,
    mine,
    theirs,
    language: random() < 0.8 ? ('ja' as const) : ('en' as const),
  };

  if (random() < o.objectiveShare) {
    const c = objectiveCase(random);
    const conflict = { ...base, collection: c.collection, key: c.key, fields: c.fields };
    const choices: Record<string, Choice> = {};
    const values: Record<string, unknown> = {};
    for (const [field, expected] of Object.entries(c.expected)) {
      const v = c.fields[field]!;
      const overridden = random() < o.noise;
      const choice: Choice = overridden
        ? expected === v.mine
          ? 'theirs'
          : 'mine'
        : expected === v.mine
          ? 'mine'
          : expected === v.theirs
            ? 'theirs'
            : 'other';
      choices[field] = choice;
      values[field] = choice === 'mine' ? v.mine : choice === 'theirs' ? v.theirs : expected;
    }
    return { at: t, habit, conflict, decision: { choices, values }, objective: c.expected };
  }

  const shift = random() < 0.45;
  const fields: ConflictInput['fields'] = {};
  let key: string;
  if (shift) {
    const day = 1 + Math.floor(random() * 28);
    key = `${pick(random, people).userId}/2026-02-${String(day).padStart(2, '0')}`;
    fields.value = cellValues(random);
  } else {
    key = `staff-${Math.floor(random() * 30)}`;
    const first = pick(random, ['position', 'department', 'status', 'endPeriod', 'endPeriod', 'startPeriod', 'order']);
    fields[first] = staffValues(random, first);
    if (random() < 0.15) {
      const second = pick(
        random,
        ['department', 'endPeriod', 'order', 'position'].filter((f) => f !== first),
      );
      fields[second] = staffValues(random, second);
    }
  }
  const conflict = { ...base, collection: shift ? 'shift' : 'staff', key, fields };
  for (const [field, values] of Object.entries(fields)) {
    // A trace that labels an objectively resolvable conflict as a habit would score the wrong thing.
    if (resolveObjectively(fieldKind(conflict.collection, field), values, mergeRule(conflict.collection, field))) {
      throw new Error(`trace generator: ${field} ${JSON.stringify(values)} is objectively resolvable`);
    }
  }
  const choices: Record<string, Choice> = {};
  const values: Record<string, unknown> = {};
  for (const field of Object.keys(fields)) {
    let side = HABITS[habit]!.decide(conflict, field, random);
    if (random() < o.noise) side = side === 'mine' ? 'theirs' : 'mine';
    choices[field] = side;
    values[field] = fields[field]![side];
  }
  return { at: t, habit, conflict, decision: { choices, values }, objective: null };
}

function personEdit(p: Person): Omit<Edit, 'at'> {
  return { userId: p.userId, userName: p.userName, role: p.role, clientId: `${p.userId}-tab` };
}

/** Three different values: the base and two different edits of it. */
function distinct<T>(random: () => number, list: readonly T[]): [T, T, T] {
  const pool = [...list];
  const take = () => pool.splice(Math.floor(random() * pool.length), 1)[0]!;
  return [take(), take(), take()];
}

function cellValues(random: () => number) {
  const all = [...WORKING, ...OFF];
  // Half the time from all values, half from a pool where off against working is likelier.
  const [w1, w2] = distinct(random, WORKING);
  const [base, mine, theirs] = distinct(random, random() < 0.5 ? all : [...OFF, w1, w2]);
  return { base, mine, theirs };
}

function staffValues(random: () => number, field: string) {
  switch (field) {
    case 'position': {
      const [base, mine, theirs] = distinct(random, POSITIONS);
      return { base, mine, theirs };
    }
    case 'department': {
      const [base, mine, theirs] = distinct(random, DEPARTMENTS);
      return { base, mine, theirs };
    }
    case 'status': {
      const [base, mine, theirs] = distinct(random, STATUSES);
      return { base, mine, theirs };
    }
    case 'order': {
      const [base, mine, theirs] = distinct(random, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      return { base, mine, theirs };
    }
    default: {
      // Start or end period: months of 2026, or open (null).
      const months = [null, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
      const [base, mine, theirs] = distinct(random, months).map((m) => (m === null ? null : { year: 2026, month: m }));
      return { base, mine, theirs };
    }
  }
}

// The simulated restaurants of the assisted-resolution benchmark: who works there and how they
// decide a conflict. Every habit is a consistent rule over what the server can see, except the
// two that are there to show what the model cannot learn (docs/assist.md, "What it cannot learn").
import type { ConflictInput, Edit } from '../../packages/server/src/assist/index.ts';

export interface Person {
  userId: string;
  userName: string;
  role: 'manager' | 'editor';
}

type Side = 'mine' | 'theirs';

/** A habit: which side the person keeps for one field of one conflict. `random` is the trace's PRNG. */
export type Habit = (conflict: ConflictInput, field: string, random: () => number) => Side;

const OFF = new Set(['×', '★', '⊘']);
const isOff = (value: unknown) => typeof value === 'string' && OFF.has(value);
const isDatabase = (edit: Edit) => edit.clientId === 'database';
const later = (c: ConflictInput): Side => (Date.parse(c.mine.at) >= Date.parse(c.theirs.at) ? 'mine' : 'theirs');
const periodKey = (v: unknown) => {
  if (!v || typeof v !== 'object') return Number.POSITIVE_INFINITY; // an open end is the latest
  const { year, month } = v as { year: number; month: number };
  return year * 12 + month;
};

function managerWins(c: ConflictInput, fallback: Side): Side {
  if (c.mine.role === 'manager' && c.theirs.role !== 'manager') return 'mine';
  if (c.theirs.role === 'manager' && c.mine.role !== 'manager') return 'theirs';
  return fallback;
}

function workingWins(c: ConflictInput, field: string, fallback: Side): Side {
  const values = c.fields[field]!;
  if (isOff(values.mine) && !isOff(values.theirs)) return 'theirs';
  if (isOff(values.theirs) && !isOff(values.mine)) return 'mine';
  return fallback;
}

export const HABITS: Record<string, { describe: string; learnable: boolean; decide: Habit }> = {
  'manager-wins': {
    describe: "the manager's change wins; between equals, the later edit",
    learnable: true,
    decide: (c) => managerWins(c, later(c)),
  },
  'later-end-wins': {
    describe: 'the later start/end period wins; other fields keep what is there',
    learnable: true,
    decide: (c, field) => {
      if (field !== 'endPeriod' && field !== 'startPeriod') return 'theirs';
      const values = c.fields[field]!;
      return periodKey(values.mine) >= periodKey(values.theirs) ? 'mine' : 'theirs';
    },
  },
  'working-wins': {
    describe: 'a cell changed from off to working is kept; staff fields: the person keeps their own',
    learnable: true,
    decide: (c, field) => (c.collection === 'shift' ? workingWins(c, field, 'mine') : 'mine'),
  },
  'database-wins': {
    describe: 'edits made in the database win; otherwise the person keeps their own',
    learnable: true,
    decide: (c) => (isDatabase(c.theirs) ? 'theirs' : 'mine'),
  },
  'first-wins': {
    describe: 'what is there stays (the first writer wins)',
    learnable: true,
    decide: () => 'theirs',
  },
  mixed: {
    describe: "staff: the manager's change wins, else what is there; cells: working wins, else the person's own",
    learnable: true,
    decide: (c, field) => (c.collection === 'shift' ? workingWins(c, field, 'mine') : managerWins(c, 'theirs')),
  },
  'coin-flip': {
    describe: 'no habit at all: each choice is a coin flip',
    learnable: false,
    decide: (_c, _f, random) => (random() < 0.5 ? 'mine' : 'theirs'),
  },
  'weekend-off': {
    describe: 'cells: off wins on weekends, working on weekdays (the day of week is not a feature); staff: own',
    learnable: false,
    decide: (c, field) => {
      if (c.collection !== 'shift') return 'mine';
      const date = c.key.slice(c.key.indexOf('/') + 1);
      const day = new Date(`${date}T00:00:00Z`).getUTCDay();
      const weekend = day === 0 || day === 6;
      const values = c.fields[field]!;
      if (isOff(values.mine) === isOff(values.theirs)) return 'mine';
      return isOff(values.mine) === weekend ? 'mine' : 'theirs';
    },
  },
};

const FAMILY = ['佐藤', '鈴木', '高橋', '田中', '伊藤', '渡辺', '山本', '中村', '小林', '加藤', '吉田', '山田'];

/** The people of one restaurant: one or two managers and a few editors. */
export function peopleOf(index: number, random: () => number): Person[] {
  const managers = random() < 0.5 ? 1 : 2;
  const editors = 3 + Math.floor(random() * 3);
  return Array.from({ length: managers + editors }, (_, i) => ({
    userId: `r${index}-u${i}`,
    userName: FAMILY[(index * 5 + i) % FAMILY.length]!,
    role: i < managers ? 'manager' : 'editor',
  }));
}

/** mulberry32: a small seeded PRNG, so that a trace is the same for the same seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)]!;
}

import type { ConflictInput, Edit, FieldValues, Suggester } from '../../src/assist/index.ts';

/** Conflicts and habits for the assisted-resolution tests, with a clock the tests move. */

const T0 = Date.parse('2026-03-02T09:00:00Z');
const MINUTE = 60_000;

export const people = {
  sato: { userId: 'u-sato', userName: '佐藤', role: 'manager', clientId: 'tab-sato' },
  suzuki: { userId: 'u-suzuki', userName: '鈴木', role: 'editor', clientId: 'tab-suzuki' },
  tanaka: { userId: 'u-tanaka', userName: '田中', role: 'editor', clientId: 'tab-tanaka' },
  database: { userId: null, userName: null, role: null, clientId: 'database' },
} satisfies Record<string, Omit<Edit, 'at'>>;

export class TestClock {
  now = T0;
  readonly read = () => this.now;
  advance(ms: number): void {
    this.now += ms;
  }
}

let counter = 0;

/** A conflict at the clock's time: "theirs" was made `minutesBefore` minutes earlier. */
export function conflict(
  clock: TestClock,
  options: {
    restaurantId: string;
    mine: Omit<Edit, 'at'>;
    theirs: Omit<Edit, 'at'>;
    fields: Record<string, FieldValues>;
    collection?: string;
    minutesBefore?: number;
    language?: 'ja' | 'en';
  },
): ConflictInput & { conflictId: string } {
  return {
    restaurantId: options.restaurantId,
    collection: options.collection ?? 'shift',
    key: options.collection === 'staff' ? 'member-1' : 'member-1/2026-03-10',
    conflictId: `c-${++counter}`,
    fields: options.fields,
    mine: { ...options.mine, at: new Date(clock.now - MINUTE).toISOString() },
    theirs: { ...options.theirs, at: new Date(clock.now - (options.minutesBefore ?? 10) * MINUTE).toISOString() },
    language: options.language ?? 'ja',
  };
}

/** Cell values that are a real conflict: both sides changed the cell, to different values. */
const CELL_CHANGES: FieldValues[] = [
  { base: '', mine: '×', theirs: '△' },
  { base: '×', mine: 'late', theirs: '★' },
  { base: '△', mine: '●', theirs: '×' },
  { base: 'late', mine: '★', theirs: '' },
  { base: '●', mine: '', theirs: 'late' },
];

/**
 * A stream of cell conflicts between the manager (佐藤) and an editor, alternating who is "mine",
 * decided by `managerWins`: true, the manager's value is kept; false, the editor's. The person
 * decides in the dialog when the suggestion is not applied; an applied one that is wrong is
 * corrected, one that is right stands (and counts once the implicit-acceptance time has passed).
 */
export async function decideStream(
  suggester: Suggester,
  clock: TestClock,
  restaurantId: string,
  count: number,
  managerWins: boolean,
): Promise<void> {
  for (let i = 0; i < count; i++) {
    clock.advance(60 * MINUTE);
    const managerIsMine = i % 2 === 0;
    const editor = i % 3 === 0 ? people.tanaka : people.suzuki;
    const c = conflict(clock, {
      restaurantId,
      mine: managerIsMine ? people.sato : editor,
      theirs: managerIsMine ? editor : people.sato,
      fields: { value: CELL_CHANGES[i % CELL_CHANGES.length]! },
    });
    const { fields, autoApply } = await suggester.suggest(c);
    const keep = managerIsMine === managerWins ? 'mine' : 'theirs';
    if (!autoApply || fields[0]!.basis !== keep) {
      await suggester.record({ restaurantId, conflictId: c.conflictId, choices: { value: keep } });
    }
  }
}

/** The probe: an editor's stale cell edit against the manager's edit 10 minutes ago. */
export function probe(clock: TestClock, restaurantId: string, language: 'ja' | 'en' = 'ja') {
  return conflict(clock, {
    restaurantId,
    mine: people.suzuki,
    theirs: people.sato,
    fields: { value: { base: '', mine: '×', theirs: 'late' } },
    language,
  });
}

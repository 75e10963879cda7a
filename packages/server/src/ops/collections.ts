/**
 * What the operator's tools (staff-sync check, backup, restore) know about the schema, as data:
 * a collection is a table of rows under a key, written through the change log. Adding a collection
 * (the shift-schedule cells, when their table exists) is one more entry in COLLECTIONS and, for
 * backup, one more in SNAPSHOT_TABLES. Every name here is a constant of the code, never input, so
 * the statements built from it stay free of anything a user typed.
 */
export interface CollectionSpec {
  /** The name the check's report uses. */
  name: string;
  /** The table that holds the rows. */
  table: string;
  /** Its key as text, an SQL expression over the table's alias `t`. */
  key: string;
  /**
   * The change-log table, the same key as text over its columns, and the condition that picks
   * this collection's changes from a log several collections share.
   */
  log: { table: string; key: string; where: string };
  /** The operation the log gives a row's first change (version 1). */
  createOp: string;
  /**
   * Columns compared between a row and its last logged state (the `row` jsonb of its last change).
   * Timestamps are left out: their text in jsonb depends on the writer's TimeZone setting.
   */
  compared: readonly string[];
  /**
   * Whether a logged row is still there, an SQL expression over the last change's `row` jsonb
   * (alias `last`): a hard-deleted row's last change must say it is not.
   */
  lastActive: string;
}

const STAFF: CollectionSpec = {
  name: 'staff',
  table: 'staff',
  key: 't.id::text',
  log: { table: 'staff_sync_changes', key: 'staff_id::text', where: `collection = 'staff'` },
  createOp: 'STAFF_CREATE',
  compared: [
    'name',
    'position',
    'department',
    'type',
    'status',
    'color',
    'staff_order',
    'start_period',
    'end_period',
    'is_active',
    'version',
  ],
  lastActive: `(last.row->>'is_active')::boolean`,
};

/** The schedule's cells: one row per (restaurant, member, date); a cleared cell keeps its row. */
const SHIFT: CollectionSpec = {
  name: 'shift',
  table: 'schedule_cells',
  key: `t.staff_id::text || '/' || to_char(t.date, 'YYYY-MM-DD')`,
  log: { table: 'staff_sync_changes', key: `staff_id::text || '/' || item_key`, where: `collection = 'shift'` },
  createOp: 'SHIFT_BROADCAST',
  compared: ['value', 'version'],
  lastActive: `(last.row ? 'value')`,
};

export const COLLECTIONS: readonly CollectionSpec[] = [STAFF, SHIFT];

/** The per-restaurant counter every change log's seq must match, and the dedupe table. */
export const COUNTERS_TABLE = 'staff_sync_counters';
export const DEDUPE_TABLE = 'staff_sync_mutations';

/**
 * The tables a backup holds, in restore order, each with the columns that order its rows (a
 * stable dump). `triggers`: rows go in with the table's triggers off, so that restoring neither
 * re-versions rows nor writes the change log a second time.
 */
export interface SnapshotTable {
  table: string;
  orderBy: string;
  triggers?: boolean;
}

export const SNAPSHOT_TABLES: readonly SnapshotTable[] = [
  { table: 'schedule_periods', orderBy: 'restaurant_id, start_date' },
  { table: COUNTERS_TABLE, orderBy: 'restaurant_id' },
  { table: 'staff', orderBy: 'restaurant_id, id', triggers: true },
  { table: 'schedules', orderBy: 'id', triggers: true },
  { table: 'schedule_staff_assignments', orderBy: 'schedule_id, staff_id, period_index' },
  { table: 'schedule_cells', orderBy: 'restaurant_id, staff_id, date', triggers: true },
  { table: 'staff_sync_changes', orderBy: 'restaurant_id, seq' },
  { table: DEDUPE_TABLE, orderBy: 'restaurant_id, client_id, sequence_number' },
];

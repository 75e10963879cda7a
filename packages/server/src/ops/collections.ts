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
  /** Its key column. */
  key: string;
  /** The change-log table, and its column naming the row. */
  log: { table: string; key: string };
  /**
   * Columns compared between a row and its last logged state (the `row` jsonb of its last change).
   * Timestamps are left out: their text in jsonb depends on the writer's TimeZone setting.
   */
  compared: readonly string[];
  /** The column whose false marks a deleted row; a hard-deleted row's last change must say false. */
  activeColumn: string;
}

export const STAFF: CollectionSpec = {
  name: 'staff',
  table: 'staff',
  key: 'id',
  log: { table: 'staff_sync_changes', key: 'staff_id' },
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
  activeColumn: 'is_active',
};

export const COLLECTIONS: readonly CollectionSpec[] = [STAFF];

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
  { table: 'staff_sync_changes', orderBy: 'restaurant_id, seq' },
  { table: DEDUPE_TABLE, orderBy: 'restaurant_id, client_id, sequence_number' },
];

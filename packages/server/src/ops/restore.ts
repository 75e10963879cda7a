import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Db, Queryable } from '../storage/db.ts';
import { migrate } from '../storage/migrate.ts';
import { BACKUP_FORMAT, BACKUP_VERSION, type BackupHeader, type Progress } from './backup.ts';
import { SNAPSHOT_TABLES } from './collections.ts';

/**
 * `staff-sync restore FILE` (docs/operations.md, "Backup and restore"): into an empty database,
 * migrated first, in one transaction, so that a bad or cut file leaves nothing behind. Rows go in
 * as they were (the staff triggers are off meanwhile, so versions, seqs and timestamps stay those
 * of the backup and the change log is not written twice); the counters come back with them, so
 * clients that reconnect resume by sinceSeq from the log.
 */
class RestoreError extends Error {}

const BATCH = 500;

/** The columns `table` has now: the backup's own column names are never put in a statement unchecked. */
async function columnsOf(tx: Queryable, table: string): Promise<Set<string>> {
  const rows = await tx.query<{ name: string }>(
    `select attname as name from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped`,
    [table],
  );
  return new Set(rows.map((r) => r.name));
}

async function insertBatch(tx: Queryable, table: string, known: Set<string>, rows: Record<string, unknown>[]): Promise<void> {
  const keys = new Set(rows.flatMap((r) => Object.keys(r)));
  for (const key of keys) {
    if (!known.has(key))
      throw new RestoreError(`the backup's ${table} has a column "${key}" that this database's ${table} lacks`);
  }
  // Columns the backup does not name keep their defaults (a later migration's new columns).
  const columns = [...keys].map((k) => `"${k}"`).join(', ');
  await tx.query(
    `insert into ${table} (${columns}) select ${columns} from jsonb_populate_recordset(null::${table}, $1::text::jsonb)`,
    [JSON.stringify(rows)],
  );
}

export interface RestoreResult {
  counts: Record<string, number>;
  header: BackupHeader;
}

export async function restoreBackup(db: Db, input: Readable, progress: Progress = () => {}): Promise<RestoreResult> {
  await migrate(db);
  const allowed = new Map(SNAPSHOT_TABLES.map((t) => [t.table, t]));
  return db.transaction(async (tx) => {
    // Servers writing meanwhile wait for the restore to commit instead of racing it.
    for (const { table } of SNAPSHOT_TABLES) await tx.query(`lock table ${table} in exclusive mode`);
    for (const { table } of SNAPSHOT_TABLES) {
      const [row] = await tx.query<{ n: number | string }>(`select count(*) as n from ${table}`);
      if (Number(row?.n) > 0) throw new RestoreError(`restore needs an empty database, but ${table} has ${row?.n} rows`);
    }
    for (const spec of SNAPSHOT_TABLES) if (spec.triggers) await tx.query(`alter table ${spec.table} disable trigger user`);

    const migrations = new Set((await tx.query<{ name: string }>('select name from staff_sync_migrations')).map((r) => r.name));
    const columns = new Map<string, Set<string>>();
    const counts: Record<string, number> = {};
    let header: BackupHeader | undefined;
    let footer: Record<string, number> | undefined;
    let pending: { table: string; rows: Record<string, unknown>[] } | undefined;
    let lineNo = 0;
    let reported = Date.now();

    const flush = async () => {
      if (!pending?.rows.length) return;
      const { table, rows } = pending;
      const known = columns.get(table) ?? (await columnsOf(tx, table));
      columns.set(table, known);
      await insertBatch(tx, table, known, rows);
      counts[table] = (counts[table] ?? 0) + rows.length;
      pending = { table, rows: [] };
      if (Date.now() - reported >= 1000) {
        progress(`restore: ${table}: ${counts[table]} rows so far`);
        reported = Date.now();
      }
    };

    for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
      lineNo++;
      if (line.trim() === '') continue;
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line);
      } catch {
        throw new RestoreError(`line ${lineNo} is not JSON`);
      }
      if (!header) {
        header = checkHeader(entry, migrations);
        continue;
      }
      if (footer) throw new RestoreError(`line ${lineNo} follows the end of the backup`);
      if (entry.end === true) {
        await flush();
        footer = entry.counts as Record<string, number>;
        continue;
      }
      const table = entry.table;
      const row = entry.row;
      if (typeof table !== 'string' || !allowed.has(table))
        throw new RestoreError(`line ${lineNo}: unknown table ${JSON.stringify(table)}`);
      if (!row || typeof row !== 'object' || Array.isArray(row))
        throw new RestoreError(`line ${lineNo}: "row" must be an object`);
      if (pending?.table !== table) {
        await flush();
        if (pending) progress(`restore: ${pending.table}: ${counts[pending.table] ?? 0} rows`);
        pending = { table, rows: [] };
      }
      pending.rows.push(row as Record<string, unknown>);
      if (pending.rows.length >= BATCH) await flush();
    }
    if (!header) throw new RestoreError('the file is empty');
    if (!footer) throw new RestoreError('the backup is cut short: its last line (the counts) is missing');
    if (pending) progress(`restore: ${pending.table}: ${counts[pending.table] ?? 0} rows`);
    for (const table of new Set([...Object.keys(footer), ...Object.keys(counts)])) {
      if ((footer[table] ?? 0) !== (counts[table] ?? 0))
        throw new RestoreError(`${table}: the backup says ${footer[table] ?? 0} rows, the file holds ${counts[table] ?? 0}`);
    }
    for (const spec of SNAPSHOT_TABLES) if (spec.triggers) await tx.query(`alter table ${spec.table} enable trigger user`);
    return { counts, header };
  });
}

function checkHeader(entry: Record<string, unknown>, known: Set<string>): BackupHeader {
  if (entry.format !== BACKUP_FORMAT)
    throw new RestoreError('not a staff-sync backup (its first line has no "format": "staff-sync-backup")');
  if (entry.version !== BACKUP_VERSION)
    throw new RestoreError(`backup format version ${entry.version}; this version reads ${BACKUP_VERSION}`);
  const migrations = Array.isArray(entry.migrations) ? entry.migrations.map(String) : [];
  const unknown = migrations.filter((m) => !known.has(m));
  if (unknown.length)
    throw new RestoreError(
      `the backup comes from a newer schema (${unknown.join(', ')}); restore it with that version of staff-sync`,
    );
  return entry as unknown as BackupHeader;
}

/** Restore from a file (gunzipped when its name ends in .gz). */
export function restoreFromFile(db: Db, file: string, progress: Progress): Promise<RestoreResult> {
  const stream = createReadStream(file);
  return restoreBackup(db, file.endsWith('.gz') ? stream.pipe(createGunzip()) : stream, progress);
}

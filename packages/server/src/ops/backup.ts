import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Db, Queryable } from '../storage/db.ts';
import { SNAPSHOT_TABLES, type SnapshotTable } from './collections.ts';

/**
 * `staff-sync backup` (docs/operations.md, "Backup and restore"): the tables of SNAPSHOT_TABLES
 * from one repeatable-read, read-only transaction (a consistent snapshot that blocks no writer),
 * as JSON lines: a header, then `{"table", "row"}` per row in key order, then a footer with the
 * count of each table, so that restore can tell a whole file from a cut one. A name ending in .gz
 * is gzipped.
 */
export const BACKUP_FORMAT = 'staff-sync-backup';
export const BACKUP_VERSION = 1;
const BATCH = 1000;

export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  version: typeof BACKUP_VERSION;
  createdAt: string;
  database: Db['kind'];
  migrations: string[];
  tables: string[];
}

interface BackupFooter {
  end: true;
  counts: Record<string, number>;
}

export type Progress = (line: string) => void;

/** Rows of one table after `after` (its last row as JSON text) in key order, as JSON text. */
function readBatch(tx: Queryable, spec: SnapshotTable, after: string | undefined): Promise<{ r: string }[]> {
  const columns = spec.orderBy.split(',').map((c) => c.trim());
  const where = after
    ? `where (${columns.map((c) => `t.${c}`).join(', ')}) > (select ${columns.map((c) => `p.${c}`).join(', ')}
         from jsonb_populate_record(null::${spec.table}, $1::jsonb) p)`
    : '';
  return tx.query<{ r: string }>(
    `select to_jsonb(t)::text as r from ${spec.table} t ${where} order by ${columns.map((c) => `t.${c}`).join(', ')} limit ${BATCH}`,
    after ? [after] : [],
  );
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

/** Write a backup of `db` to `out`; returns the row count of each table. */
export async function writeBackup(db: Db, out: Writable, progress: Progress = () => {}): Promise<Record<string, number>> {
  return db.transaction(async (tx) => {
    await tx.query('set transaction read only');
    const [stamp] = await tx.query<{ now: string }>(
      `select to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as now`,
    );
    const migrations = await tx.query<{ name: string }>('select name from staff_sync_migrations order by name');
    const header: BackupHeader = {
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      createdAt: stamp?.now ?? '',
      database: db.kind,
      migrations: migrations.map((m) => m.name),
      tables: SNAPSHOT_TABLES.map((t) => t.table),
    };
    await write(out, `${JSON.stringify(header)}\n`);
    const counts: Record<string, number> = {};
    for (const spec of SNAPSHOT_TABLES) {
      let after: string | undefined;
      let n = 0;
      let reported = Date.now();
      for (;;) {
        const rows = await readBatch(tx, spec, after);
        for (const { r } of rows) await write(out, `{"table":${JSON.stringify(spec.table)},"row":${r}}\n`);
        n += rows.length;
        if (Date.now() - reported >= 1000) {
          progress(`backup: ${spec.table}: ${n} rows so far`);
          reported = Date.now();
        }
        if (rows.length < BATCH) break;
        after = rows.at(-1)?.r;
      }
      counts[spec.table] = n;
      progress(`backup: ${spec.table}: ${n} rows`);
    }
    const footer: BackupFooter = { end: true, counts };
    await write(out, `${JSON.stringify(footer)}\n`);
    return counts;
  }, 'repeatable read');
}

/** Back up into a file (gzipped when its name ends in .gz). */
export async function backupToFile(db: Db, file: string, progress: Progress): Promise<Record<string, number>> {
  const fileStream = createWriteStream(file, { flags: 'wx', mode: 0o600 });
  await once(fileStream, 'open');
  const gzip = file.endsWith('.gz') ? createGzip() : undefined;
  if (gzip) gzip.pipe(fileStream);
  const out = gzip ?? fileStream;
  try {
    const counts = await writeBackup(db, out, progress);
    out.end();
    await finished(fileStream);
    return counts;
  } catch (error) {
    fileStream.destroy();
    throw error;
  }
}

import type { Config } from '../config/settings.ts';
import { openDatabase } from '../storage/open.ts';
import { backupToFile, writeBackup } from './backup.ts';
import { formatReport, runIntegrityCheck } from './integrity-check.ts';
import { restoreFromFile } from './restore.ts';

/**
 * The operator's commands of the CLI (docs/operations.md): each opens the configured database,
 * does one thing, and closes it. On the embedded database they need the server stopped (one
 * process per data folder); on PostgreSQL they run beside live servers.
 */

/** `staff-sync check [--json]`: exit code 1 when anything is inconsistent. */
export async function checkCommand(config: Config, json: boolean): Promise<number> {
  const db = await openDatabase(config);
  try {
    const report = await runIntegrityCheck(db, config);
    process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    return report.findings.length ? 1 : 0;
  } finally {
    await db.close();
  }
}

/** `staff-sync backup [--out FILE]`: to a file with progress on stdout, or to stdout with progress on stderr. */
export async function backupCommand(config: Config, out: string | undefined): Promise<number> {
  const db = await openDatabase(config);
  try {
    if (out) {
      const counts = await backupToFile(db, out, (line) => process.stdout.write(`${line}\n`));
      process.stdout.write(`backup: wrote ${out} (${describe(counts)})\n`);
    } else {
      const counts = await writeBackup(db, process.stdout, (line) => process.stderr.write(`${line}\n`));
      process.stderr.write(`backup: done (${describe(counts)})\n`);
    }
    return 0;
  } finally {
    await db.close();
  }
}

/** `staff-sync restore FILE`: into an empty database; nothing is written when anything is wrong. */
export async function restoreCommand(config: Config, file: string): Promise<number> {
  const db = await openDatabase(config);
  try {
    const { counts, header } = await restoreFromFile(db, file, (line) => process.stdout.write(`${line}\n`));
    process.stdout.write(`restore: ${file} (taken ${header.createdAt} from ${header.database}) restored: ${describe(counts)}\n`);
    return 0;
  } finally {
    await db.close();
  }
}

const describe = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([table, n]) => `${table} ${n}`)
    .join(', ');

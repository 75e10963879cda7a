import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Db } from './db.ts';
import { openPgliteDb } from './pglite-db.ts';
import { openPostgresDb } from './postgres-db.ts';

export interface OpenOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  dbPoolSize?: number;
  onNotice?: (message: string) => void;
  onListenRetry?: (error: unknown, retryInMs: number) => void;
}

class DataDirLockedError extends Error {}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite has no lock of its own and two processes on one folder would corrupt it: a pid file
 * keeps a second server (or a CLI command while the server runs) out.
 */
function lockDataDir(dataDir: string): () => void {
  const file = join(resolve(dataDir), 'staff-sync.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(file, 'utf8') === String(process.pid)) unlinkSync(file);
        } catch {}
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(file, 'utf8'));
      if (pid && pid !== process.pid && isAlive(pid)) {
        throw new DataDirLockedError(
          `the embedded database in ${resolve(dataDir)} is in use by process ${pid}; stop it first (or use another DATA_DIR)`,
        );
      }
      unlinkSync(file); // left behind by a process that is gone
    }
  }
  throw new DataDirLockedError(`could not lock ${file}`);
}

/** Open the configured database: PostgreSQL when a URL is given, else the embedded one. */
export async function openDatabase(options: OpenOptions): Promise<Db> {
  if (options.databaseUrl) {
    return openPostgresDb(options.databaseUrl, {
      max: options.dbPoolSize,
      onNotice: options.onNotice,
      onListenRetry: options.onListenRetry,
    });
  }
  const memory = options.dataDir.startsWith('memory://');
  if (!memory) {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(options.dataDir, { recursive: true });
  }
  const unlock = memory ? () => {} : lockDataDir(options.dataDir);
  try {
    const db = await openPgliteDb(options.dataDir);
    const close = db.close;
    return {
      ...db,
      async close() {
        await close();
        unlock();
      },
    };
  } catch (error) {
    unlock();
    throw error;
  }
}

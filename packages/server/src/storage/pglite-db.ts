import { mkdir } from 'node:fs/promises';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Db, Isolation, Queryable, Row } from './db.ts';

function wrap(target: PGlite | Transaction): Queryable {
  return {
    async query<T extends Row>(text: string, params?: readonly unknown[]): Promise<T[]> {
      const result = await target.query<T>(text, params as unknown[] | undefined);
      return result.rows;
    },
    async exec(script: string): Promise<void> {
      await target.exec(script);
    },
  };
}

/**
 * The embedded database: PGlite keeping its files in `dataDir` (or in memory for `memory://`).
 * One process owns the folder; LISTEN/NOTIFY works in-process, so the change feed is the same
 * trigger-driven feed as on PostgreSQL.
 */
export async function openPgliteDb(dataDir: string): Promise<Db> {
  if (!dataDir.startsWith('memory://')) await mkdir(dataDir, { recursive: true });
  const pg = await PGlite.create(dataDir);
  const root = wrap(pg);
  return {
    kind: 'pglite',
    query: root.query,
    exec: root.exec,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>, isolation?: Isolation): Promise<T> {
      return pg.transaction(async (tx) => {
        if (isolation) await tx.query(`set transaction isolation level ${isolation}`);
        return fn(wrap(tx));
      });
    },
    async listen(channel, onPayload, onReady) {
      const unlisten = await pg.listen(channel, onPayload);
      onReady?.();
      return unlisten;
    },
    async close(): Promise<void> {
      if (!pg.closed) await pg.close();
    },
  };
}

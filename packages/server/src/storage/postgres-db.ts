import postgres from 'postgres';
import type { Db, Isolation, Queryable, Row } from './db.ts';

export interface PostgresOptions {
  /** Pool size for queries and transactions (LISTEN uses one more, dedicated connection). */
  max?: number;
  /** Called with each notice or connection problem worth logging. */
  onNotice?: (message: string) => void;
}

type Sql = postgres.Sql | postgres.TransactionSql;

function wrap(sql: Sql): Queryable {
  return {
    async query<T extends Row>(text: string, params?: readonly unknown[]): Promise<T[]> {
      const rows = await sql.unsafe(text, (params ?? []) as postgres.ParameterOrJSON<never>[]);
      return rows as unknown as T[];
    },
    async exec(script: string): Promise<void> {
      // No parameters: postgres.js uses the simple query protocol, which allows several statements.
      await sql.unsafe(script);
    },
  };
}

/**
 * PostgreSQL (or Supabase) through postgres.js. The change feed needs a session connection for
 * LISTEN: point DATABASE_URL at the database directly or at a session-mode pooler, not at a
 * transaction-mode pooler (Supabase's port 6543), where LISTEN silently receives nothing.
 */
export async function openPostgresDb(url: string, options: PostgresOptions = {}): Promise<Db> {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: (notice) => options.onNotice?.(String(notice.message)),
    // int8 (seq, sequence numbers) as numbers: they stay far below 2^53.
    types: { bigint: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) } },
    connection: { application_name: 'staff-sync' },
  });
  // Fail fast with a clear error when the database is unreachable.
  await sql`select 1`;
  const root = wrap(sql);
  return {
    kind: 'postgres',
    query: root.query,
    exec: root.exec,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>, isolation?: Isolation): Promise<T> {
      const run = (tx: postgres.TransactionSql) => fn(wrap(tx));
      const result = isolation ? await sql.begin(`isolation level ${isolation}`, run) : await sql.begin(run);
      return result as T;
    },
    async listen(channel, onPayload, onReady) {
      const request = await sql.listen(channel, onPayload, onReady);
      return () => request.unlisten();
    },
    async close(): Promise<void> {
      await sql.end({ timeout: 5 });
    },
  };
}

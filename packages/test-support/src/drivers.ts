import { type Db, openDatabase } from '@staff-sync/server';
import postgres from 'postgres';
import { type ServerProcess, type ServerProcessOptions, startServerProcess } from './server-process.ts';
import { createTestDatabase, postgresAvailable } from './services.ts';

export type Driver = 'pglite' | 'postgres';

/** The drivers this machine can run: PGlite always, PostgreSQL when reachable (always on CI). */
export async function availableDrivers(): Promise<Driver[]> {
  return (await postgresAvailable()) ? ['pglite', 'postgres'] : ['pglite'];
}

export interface DriverServer {
  server: ServerProcess;
  driver: Driver;
  databaseUrl: string | undefined;
  /** Start (again) a server on the same database, e.g. after a restart. */
  start(env?: Record<string, string>): Promise<ServerProcess>;
  /**
   * Run SQL against the database. On PGlite the server must be stopped (one process per folder);
   * the folder stays open here until `start` or `cleanup`.
   */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  cleanup(): Promise<void>;
}

/** A server process on a fresh database of the given driver. */
export async function serverOn(driver: Driver, label: string, options: ServerProcessOptions = {}): Promise<DriverServer> {
  const database = driver === 'postgres' ? await createTestDatabase(label) : undefined;
  const baseEnv = { ...(options.env ?? {}), ...(database ? { DATABASE_URL: database.url } : {}) };
  let sql: postgres.Sql | undefined;
  // PGlite opened here while the server is stopped, kept for the next query (an opening takes a
  // second or more) and closed before a server starts on the folder again.
  let local: Db | undefined;
  const closeLocal = async () => {
    const db = local;
    local = undefined;
    await db?.close();
  };
  const self: DriverServer = {
    driver,
    databaseUrl: database?.url,
    server: undefined as unknown as ServerProcess,
    async start(env = {}) {
      await closeLocal();
      self.server = await startServerProcess({
        ...options,
        env: { ...baseEnv, ...env },
        dataDir: self.server?.dataDir ?? options.dataDir,
      });
      return self.server;
    },
    async query<T>(text: string, params: unknown[] = []): Promise<T[]> {
      if (database) {
        sql ??= postgres(database.url, { max: 2, onnotice: () => {} });
        return (await sql.unsafe(text, params as never[])) as unknown as T[];
      }
      local ??= await openDatabase({ databaseUrl: undefined, dataDir: self.server.dataDir });
      return (await local.query(text, params)) as T[];
    },
    async cleanup() {
      await closeLocal();
      await self.server?.stop();
      await sql?.end({ timeout: 1 });
      await database?.drop();
    },
  };
  await self.start();
  return self;
}

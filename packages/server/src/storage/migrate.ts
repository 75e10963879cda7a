import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
/** Any constant: replicas starting together take turns running migrations. */
const MIGRATION_LOCK_KEY = 72_410_915;

interface Migration {
  name: string;
  sql: string;
}

async function loadMigrations(): Promise<Migration[]> {
  const names = (await readdir(MIGRATIONS_DIR)).filter((n) => n.endsWith('.sql')).sort();
  return Promise.all(names.map(async (name) => ({ name, sql: await readFile(MIGRATIONS_DIR + name, 'utf8') })));
}

/**
 * Apply the migrations that have not run yet, in name order, each in its own transaction, and
 * record them in `staff_sync_migrations`. The same files serve PGlite and PostgreSQL.
 */
export async function migrate(db: Db): Promise<string[]> {
  const migrations = await loadMigrations();
  await db.exec(
    `create table if not exists staff_sync_migrations (name text primary key, applied_at timestamptz not null default now())`,
  );
  const applied: string[] = [];
  for (const migration of migrations) {
    const ran = await db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      const done = await tx.query('select 1 from staff_sync_migrations where name = $1', [migration.name]);
      if (done.length > 0) return false;
      await tx.exec(migration.sql);
      await tx.query('insert into staff_sync_migrations (name) values ($1)', [migration.name]);
      return true;
    });
    if (ran) applied.push(migration.name);
  }
  return applied;
}

/** The names of the migrations that have not been applied (empty when the schema is current). */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const migrations = await loadMigrations();
  const exists = await db.query<{ ok: boolean }>(`select to_regclass('staff_sync_migrations') is not null as ok`);
  if (!exists[0]?.ok) return migrations.map((m) => m.name);
  const rows = await db.query<{ name: string }>('select name from staff_sync_migrations');
  const done = new Set(rows.map((r) => r.name));
  return migrations.map((m) => m.name).filter((n) => !done.has(n));
}

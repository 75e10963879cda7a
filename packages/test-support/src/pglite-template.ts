import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SERVER_DIR, TEST_NODE_ARGS } from './node-args.ts';

/*
 * A new embedded database costs PGlite an initdb: about 5 s of CPU, 10 s and more on a loaded
 * two-core machine, and the suite starts dozens of servers on empty folders. So the first one
 * is made once per machine and PGlite version, as PGlite itself makes it (opened on an empty
 * folder and closed cleanly, nothing of staff-sync's in it: migrations still run on every
 * server's first start), and each test server gets a copy of that folder. What a first start on a
 * truly empty folder does (initdb included) is still tested: `npm start` in the fresh-clone check
 * and the CLI tests that run `migrate` on a new DATA_DIR.
 */

function pgliteVersion(): string {
  let dir = dirname(createRequire(join(SERVER_DIR, 'package.json')).resolve('@electric-sql/pglite'));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@electric-sql/pglite' && pkg.version) return pkg.version;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the version of @electric-sql/pglite');
    dir = parent;
  }
}

/**
 * Make an empty PGlite folder in a Node process of its own, as `openDatabase` does (PGlite.create on
 * the folder, then close): not in this one, which may be a DOM-environment test where the
 * server's modules cannot load.
 */
function initPglite(dir: string): Promise<void> {
  const code =
    "const { PGlite } = await import('@electric-sql/pglite'); const db = await PGlite.create(process.argv[1]); await db.close();";
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...TEST_NODE_ARGS, '--input-type=module', '-e', code, dir], {
      cwd: SERVER_DIR, // where @electric-sql/pglite resolves
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`PGlite initdb failed (${code}): ${stderr}`))));
  });
}

let template: Promise<string> | undefined;

/** The initialized, empty PGlite folder to copy; made on first use (workers racing: one rename wins). */
function pgliteTemplate(): Promise<string> {
  template ??= (async () => {
    const path = join(tmpdir(), `staff-sync-pglite-template-${pgliteVersion()}`);
    if (existsSync(join(path, 'PG_VERSION'))) return path;
    const building = mkdtempSync(join(tmpdir(), 'staff-sync-pglite-template-building-'));
    await initPglite(building);
    try {
      renameSync(building, path);
    } catch (error) {
      // Another worker's template got there first: use that one.
      rmSync(building, { recursive: true, force: true });
      if (!existsSync(join(path, 'PG_VERSION'))) throw error;
    }
    return path;
  })();
  return template;
}

/** A new folder holding an empty embedded database, as a server's first start on an empty DATA_DIR would make it. */
export async function newPgliteDir(prefix = 'staff-sync-test-'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cpSync(await pgliteTemplate(), dir, { recursive: true });
  return dir;
}

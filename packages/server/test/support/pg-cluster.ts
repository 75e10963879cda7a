import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@staff-sync/test-support/nginx';
import { REQUIRE_SERVICES } from '@staff-sync/test-support/services';

/**
 * A PostgreSQL cluster of the test's own (initdb and pg_ctl from Debian's packages, a free port
 * on 127.0.0.1, a temp folder), so that a test can restart it or kill it without touching the
 * shared PostgreSQL on 5432 that other tests use.
 *
 *   const pg = await startPgCluster();
 *   // pg.url: postgres://postgres@127.0.0.1:<port>/postgres
 *   await pg.stop(); await pg.start();   // a restart, with an outage of your choosing between
 *   await pg.kill();  await pg.start();  // SIGKILL of every server process: crash recovery
 *   await pg.destroy();
 *
 * As root, initdb refuses to run: the cluster then belongs to the `postgres` user (runuser).
 * fsync is off (nothing here survives a machine crash anyway); synchronous_commit stays on, so a
 * commit reported to the server is in the WAL the kernel holds, and a SIGKILL cannot lose it.
 */
const PG_BIN_DIR = process.env.PG_BIN_DIR ?? findBinDir();

function findBinDir(): string {
  for (const version of ['17', '16', '15', '14', '13']) {
    const dir = `/usr/lib/postgresql/${version}/bin`;
    if (existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  return '/usr/lib/postgresql/15/bin';
}

export interface PgCluster {
  readonly port: number;
  readonly dataDir: string;
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  readonly url: string;
  /** The URL of another database of this cluster. */
  urlFor(database: string): string;
  /** Start and wait until it accepts connections (pg_ctl -w). */
  start(): Promise<void>;
  /** A clean stop (fast mode: sessions are terminated, the WAL is checkpointed). */
  stop(): Promise<void>;
  /** SIGKILL the postmaster and every backend: the next start runs crash recovery. */
  kill(): Promise<void>;
  /** Stop and remove the folder. */
  destroy(): Promise<void>;
}

const asRoot = process.getuid?.() === 0;

function run(bin: string, args: string[]): Promise<string> {
  const [file, argv] = asRoot
    ? ['/usr/sbin/runuser', ['-u', 'postgres', '--', join(PG_BIN_DIR, bin), ...args]]
    : [join(PG_BIN_DIR, bin), args];
  return new Promise((resolve, reject) =>
    execFile(file, argv, { timeout: 120_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${bin} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`)) : resolve(stdout),
    ),
  );
}

let available: Promise<boolean> | undefined;

/** initdb and pg_ctl are installed (and, as root, the postgres user exists). */
export function pgBinAvailable(): Promise<boolean> {
  available ??= run('pg_ctl', ['--version']).then(
    () => true,
    (error: unknown) => {
      if (REQUIRE_SERVICES) throw new Error(`PostgreSQL's pg_ctl is required here but does not run: ${error}`);
      console.warn(`[skip] pg_ctl not found in ${PG_BIN_DIR}; tests that restart PostgreSQL are skipped on this machine`);
      return false;
    },
  );
  return available;
}

export async function startPgCluster(): Promise<PgCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'staff-sync-pg-'));
  if (asRoot) {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }));
    chownSync(dataDir, id('-u'), id('-g'));
  }
  const port = await freePort();
  await run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  const options = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dataDir}`,
    '-c fsync=off',
    '-c max_connections=100',
    '-c shared_buffers=32MB',
  ].join(' ');
  const logFile = join(dataDir, 'server.log');
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const cluster: PgCluster = {
    port,
    dataDir,
    url,
    urlFor: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start: async () => {
      await run('pg_ctl', ['start', '-D', dataDir, '-w', '-t', '120', '-l', logFile, '-o', options]);
    },
    stop: async () => {
      await run('pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '120']);
    },
    kill: async () => {
      const pidFile = join(dataDir, 'postmaster.pid');
      const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      const children = childrenOf(pid);
      for (const p of [pid, ...children]) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {}
      }
      // Wait until every process is gone, so that the next start finds no shared memory in use.
      for (let i = 0; i < 200 && [pid, ...children].some(alive); i++) await new Promise((r) => setTimeout(r, 50));
    },
    destroy: async () => {
      await cluster.stop().catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Direct children of `pid` (the postmaster's backends and auxiliary processes), from /proc. */
function childrenOf(pid: number): number[] {
  const result: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) result.push(Number(entry));
    } catch {}
  }
  return result;
}

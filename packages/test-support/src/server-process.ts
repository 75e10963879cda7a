import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVER_DIR, TEST_NODE_ARGS } from './node-args.ts';
import { newPgliteDir } from './pglite-template.ts';

const CLI = join(SERVER_DIR, 'src/cli.ts');

// Servers started here die with the process that started them, even when it is interrupted: a
// server left behind keeps its port, its data folder lock and a core busy.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
// Without a listener a signal ends the process without 'exit' handlers; with one of its own (the
// cluster CLI stops gracefully) the harness decides, and 'exit' still catches what is left.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    if (process.listenerCount(signal) === 0) process.exit(130);
  });
}

export interface ServerProcess {
  readonly port: number;
  readonly url: string;
  readonly wsUrl: string;
  readonly dataDir: string;
  readonly process: ChildProcess;
  /** Everything the process printed (JSON log lines and stderr). */
  output(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ServerProcessOptions {
  env?: Record<string, string>;
  dataDir?: string;
  port?: number;
  /** Further arguments after `serve` (`--sample`, `--check`). */
  args?: string[];
  /** Another checkout's CLI to run (a benchmark's "before"), instead of this one's. */
  cli?: string;
  /** Node's own options before the script (default: `TEST_NODE_ARGS` under Vitest, none elsewhere). */
  nodeArgs?: string[];
}

/** Run a `staff-sync` CLI command to its end (quiet logs unless `env` says otherwise). */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000) {
  return spawnSync(process.execPath, [...TEST_NODE_ARGS, CLI, ...args], {
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
}

/** Start `staff-sync serve` as its own process and wait until it listens. */
export async function startServerProcess(options: ServerProcessOptions = {}): Promise<ServerProcess> {
  // On the embedded database, a copy of an initialized empty one (./pglite-template.ts).
  const embedded = !(options.env?.DATABASE_URL ?? process.env.DATABASE_URL);
  const dataDir = options.dataDir ?? (embedded ? await newPgliteDir() : mkdtempSync(join(tmpdir(), 'staff-sync-test-')));
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? TEST_NODE_ARGS), options.cli ?? CLI, 'serve', ...(options.args ?? [])],
    {
      env: {
        ...process.env,
        PORT: String(options.port ?? 0),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'info',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  running.add(child);
  let output = '';
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 120 s:\n${output}`)), 120_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"port":(\d+)[^\n]*listening/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/staff-sync`,
    dataDir,
    process: child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

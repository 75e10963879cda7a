// Runs one benchmark: starts a staff-sync server process on the chosen database (a fresh PGlite
// folder, or a fresh PostgreSQL database), or --replicas N of them on one PostgreSQL database
// behind nginx, runs bench/load.ts against it in a separate process, and prints the load tool's
// JSON plus a Markdown row for bench/RESULTS.md.
//   node bench/run.ts --db pglite --connections 1000 --rate 200 --duration 30
//   node bench/run.ts --db postgres --replicas 3 --connections 3000 --rate 200 --duration 30
//   node bench/run.ts --db postgres --nginx --connections 1000 ...   (one replica, behind nginx)
//   node bench/run.ts --db postgres --plain-share 0.5 ...              (half the clients plain)
//   node bench/run.ts --db postgres --kind cells --members 40 ...      (schedule cells, SHIFT_UPDATE)
//   node bench/run.ts --db postgres --shape many --restaurants 2000 --screens 5 --rate 1000 --members 5 ...
//     (the SaaS shape: bench/many-restaurants.ts, signed-in screens of many restaurants)
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startServerProcess } from '@staff-sync/test-support/server-process';
import { createTestDatabase } from '@staff-sync/test-support/services';
import { startCluster } from '../packages/server/test/support/cluster.ts';
import { MANY_ENV, manyRow, runMany } from './lib/many-shape.ts';
import { sampleServerMetrics } from './server-metrics.ts';

const { values: opts } = parseArgs({
  options: {
    db: { type: 'string', default: 'pglite' },
    connections: { type: 'string', default: '1000' },
    writers: { type: 'string', default: '10' },
    rate: { type: 'string', default: '200' },
    duration: { type: 'string', default: '30' },
    members: { type: 'string' }, // 50, or 5 per restaurant with --shape many
    'fanout-interval': { type: 'string' },
    'group-commit': { type: 'string' },
    replicas: { type: 'string', default: '1' },
    nginx: { type: 'boolean', default: false },
    'nginx-workers': { type: 'string', default: '1' },
    'plain-share': { type: 'string', default: '0' },
    kind: { type: 'string', default: 'staff' },
    read: { type: 'string', default: 'json' },
    protocol: { type: 'string', default: 'v2' },
    deflate: { type: 'boolean', default: false },
    // --shape many (bench/lib/many-shape.ts); --members is then per restaurant.
    shape: { type: 'string', default: 'one' },
    restaurants: { type: 'string', default: '2000' },
    screens: { type: 'string', default: '5' },
    spread: { type: 'string', default: 'round-robin' },
    users: { type: 'string', default: 'screen' },
    // Another checkout to run the server from (a "before" in a before/after pair), e.g. a git worktree.
    'server-dir': { type: 'string' },
    // Node's options for the server process, e.g. --node-flags=--liftoff-only (space-separated).
    'node-flags': { type: 'string' },
    // Write the server's stdout and stderr to this file when the run ends (e.g. with --trace-gc).
    'server-output': { type: 'string' },
  },
});

const LOAD = fileURLToPath(new URL('./load.ts', import.meta.url));

async function main(): Promise<void> {
  if (opts.db !== 'pglite' && opts.db !== 'postgres') throw new Error('--db must be pglite or postgres');
  const replicas = Number(opts.replicas);
  const viaNginx = replicas > 1 || opts.nginx;
  if (viaNginx && opts.db !== 'postgres')
    throw new Error('--replicas and --nginx need --db postgres (replicas share one database)');
  if (opts.shape !== 'one' && opts.shape !== 'many') throw new Error('--shape must be one or many');
  const many = opts.shape === 'many';
  const env = {
    LOG_LEVEL: 'info', // lifecycle lines only; connections log at debug
    MAX_CONNECTIONS: '50000',
    ...(many
      ? MANY_ENV
      : {
          RATE_LIMIT_PER_SECOND: '10000',
          RATE_LIMIT_BURST: '10000',
          USER_RATE_LIMIT_PER_SECOND: '100000',
          USER_RATE_LIMIT_BURST: '100000',
        }),
    ...(opts['fanout-interval'] ? { FANOUT_INTERVAL_MS: opts['fanout-interval'] } : {}),
    ...(opts['group-commit'] ? { GROUP_COMMIT_MAX: opts['group-commit'] } : {}),
  };
  let target: { wsUrl: string; httpUrl?: string; pids: number[]; stop: () => Promise<unknown> };
  if (viaNginx) {
    const cluster = await startCluster({ replicas, env, nginxWorkers: Number(opts['nginx-workers']), label: 'bench' });
    target = { wsUrl: cluster.wsUrl, pids: cluster.replicas.map((r) => r.process.pid as number), stop: () => cluster.stop() };
  } else {
    const database = opts.db === 'postgres' ? await createTestDatabase('bench') : undefined;
    const cli = opts['server-dir'] ? resolvePath(opts['server-dir'], 'packages/server/src/cli.ts') : undefined;
    const nodeArgs = opts['node-flags']?.split(' ').filter(Boolean);
    const server = await startServerProcess({
      cli,
      nodeArgs,
      env: { ...env, ...(database ? { DATABASE_URL: database.url } : {}) },
    });
    target = {
      wsUrl: server.wsUrl,
      httpUrl: server.url,
      pids: [server.process.pid as number],
      stop: async () => {
        await server.stop();
        if (opts['server-output']) writeFileSync(opts['server-output'], server.output());
        await database?.drop();
      },
    };
  }
  // One server: its memory, event-loop delay and GC over the run, from /metrics.
  const sampler = target.httpUrl ? sampleServerMetrics(target.httpUrl) : undefined;
  try {
    if (many) {
      const result = await runMany(
        { ...(opts as Required<typeof opts>), members: opts.members ?? '5' },
        target.wsUrl,
        target.pids,
      );
      const serverMetrics = sampler?.stop();
      process.stdout.write(`${JSON.stringify({ db: opts.db, replicas, ...result, serverMetrics }, null, 2)}\n`);
      process.stdout.write(manyRow(result, `${opts.db}${viaNginx ? ` x${replicas} via nginx` : ''}`));
      return;
    }
    const args = [
      LOAD,
      '--url',
      target.wsUrl,
      '--connections',
      opts.connections!,
      '--writers',
      opts.writers!,
      '--rate',
      opts.rate!,
      '--duration',
      opts.duration!,
      '--members',
      opts.members ?? '50',
      '--plain-share',
      opts['plain-share']!,
      '--kind',
      opts.kind!,
      '--read',
      opts.read!,
      '--protocol',
      opts.protocol!,
      ...(opts.deflate ? ['--deflate'] : []),
      ...target.pids.flatMap((pid) => ['--server-pid', String(pid)]),
    ];
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`load tool exited with ${code}`))));
    });
    const result = JSON.parse(output.trim().split('\n').at(-1)!);
    const serverMetrics = sampler?.stop();
    process.stdout.write(`${JSON.stringify({ db: opts.db, replicas, ...result, serverMetrics }, null, 2)}\n`);
    const r = result;
    const server = r.server
      ? ` | ${r.server.cpuPct}% | ${r.server.writeSyscallsPerSecond} | ${(r.server.bytesWrittenPerSecond / 1048576).toFixed(1)} MiB`
      : '';
    process.stdout.write(
      `| ${r.kind} | ${r.plainClients} plain | ${opts.db}${viaNginx ? ` x${replicas} via nginx` : ''} | ${r.connections} | ${r.writers} | ${r.rate}/s x ${r.durationS} s | ${r.acked}/${r.sent} | ` +
        `${r.ackMs.p50} / ${r.ackMs.p90} / ${r.ackMs.p99} / ${r.ackMs.max} | ` +
        `${r.fanoutMs.p50} / ${r.fanoutMs.p90} / ${r.fanoutMs.p99} / ${r.fanoutMs.max} | ` +
        `${r.lost} / ${r.duplicates} | ${r.serverRssMiB}${server} | ${r.loadGeneratorCpuPct}% / ${r.loadGeneratorLoopDelayMs.p99} ms |\n`,
    );
  } finally {
    sampler?.stop();
    await target.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});

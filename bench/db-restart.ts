// Time to convergence after a PostgreSQL restart and after a SIGKILL of PostgreSQL, under a steady
// stream of writes through two replicas behind nginx (a PostgreSQL cluster of its own, started with
// initdb/pg_ctl: packages/server/test/support/pg-cluster.ts). Per trial it prints how long after
// PostgreSQL accepted connections again every client held the first change ACKed after it, the
// worst ACK-to-every-client delay over the 10 s after, and how long a SIGTERM then took to exit.
//   node bench/db-restart.ts --fault restart --trials 3 --rate 30 --clients 20 --outage-ms 2000
//   node bench/db-restart.ts --fault kill --trials 3
import { parseArgs } from 'node:util';
import { connectAll, databaseState, waitFor } from '@staff-sync/test-support/delivery';
import { ResilientClient } from '@staff-sync/test-support/resilient-client';
import { startCluster } from '../packages/server/test/support/cluster.ts';
import { HoldWatch, outageFigures, startTimedWriters } from '../packages/server/test/support/outage.ts';
import { startPgCluster } from '../packages/server/test/support/pg-cluster.ts';

const { values: opts } = parseArgs({
  options: {
    fault: { type: 'string', default: 'restart' },
    trials: { type: 'string', default: '3' },
    rate: { type: 'string', default: '30' },
    clients: { type: 'string', default: '20' },
    writers: { type: 'string', default: '4' },
    'outage-ms': { type: 'string', default: '2000' },
    'after-ms': { type: 'string', default: '10000' },
  },
});

const RESTAURANT = '00000000-0000-0000-0000-000000000001';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Trial {
  firstChangeMs: number;
  worstDeliveryMs: number;
  acksAfter: number;
  sigtermMs: number;
}

async function trial(fault: 'restart' | 'kill'): Promise<Trial> {
  const pg = await startPgCluster();
  const cluster = await startCluster({ replicas: 2, databaseUrl: pg.url, env: { SHUTDOWN_TIMEOUT_MS: '3000' } });
  const clients: ResilientClient[] = [];
  try {
    const setup = new ResilientClient(cluster.wsUrl);
    await setup.start();
    const staffIds: string[] = [];
    for (let i = 0; i < 10; i++)
      staffIds.push((await setup.mutate('STAFF_CREATE', { name: `Member ${i}`, position: 'ホール' })).payload.staffId as string);
    await setup.stop();
    for (let i = 0; i < Number(opts.clients); i++) clients.push(new ResilientClient(cluster.wsUrl));
    await connectAll(clients);
    const watch = new HoldWatch(clients);
    const writers = startTimedWriters(clients.slice(0, Number(opts.writers)), staffIds, Number(opts.rate));
    await sleep(3000);
    if (fault === 'restart') await pg.stop();
    else await pg.kill();
    await sleep(Number(opts['outage-ms']));
    await pg.start();
    const backAt = Date.now();
    await sleep(Number(opts['after-ms']));
    writers.stop();
    await waitFor(() => clients.every((c) => c.pending === 0), 120_000, 'every write answered');
    const db = await databaseState(pg.url, RESTAURANT);
    await waitFor(() => clients.every((c) => c.lastSeq === db.maxSeq), 120_000, 'every client at the database seq');
    watch.stop();
    const figures = outageFigures(writers.writes, watch, backAt, Number(opts['after-ms']));
    await Promise.all(clients.map((c) => c.stop()));
    // A SIGTERM after the restart: from the signal to the process gone, with no client connected.
    const started = Date.now();
    await cluster.replicas[0]?.stop('SIGTERM');
    const sigtermMs = Date.now() - started;
    return { ...figures, sigtermMs };
  } finally {
    await Promise.all(clients.map((c) => c.stop()));
    await cluster.stop();
    await pg.destroy();
  }
}

async function main(): Promise<void> {
  const fault = opts.fault;
  if (fault !== 'restart' && fault !== 'kill') throw new Error('--fault must be restart or kill');
  const results: Trial[] = [];
  for (let i = 0; i < Number(opts.trials); i++) {
    const result = await trial(fault);
    results.push(result);
    process.stdout.write(`${JSON.stringify({ fault, trial: i + 1, ...result })}\n`);
  }
  const row = (name: keyof Trial) => results.map((r) => Math.round(r[name])).join(' / ');
  process.stdout.write(`| ${fault} | ${row('firstChangeMs')} | ${row('worstDeliveryMs')} | ${row('sigtermMs')} |\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);

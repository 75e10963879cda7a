// bench/run.ts --shape many: the server settings and the load tool's arguments for the SaaS shape
// (bench/many-restaurants.ts), and its row for bench/RESULTS.md.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TEST_JWT_SECRET } from '@staff-sync/test-support/tokens';

const MANY_RESTAURANTS = fileURLToPath(new URL('../many-restaurants.ts', import.meta.url));

/**
 * Server settings of the shape. Sign-in on (AUTH_JWT_SECRET: every screen has a token for its
 * restaurant, as editor). The shipped rate limits stay: per connection (RATE_LIMIT_PER_SECOND 100,
 * burst 200) and per user (USER_RATE_LIMIT_PER_SECOND 200, burst 400) are far above what one
 * restaurant sends here (rate / restaurants, 0.5/s at 1,000/s over 2,000), and a RATE_LIMITED
 * would show in errorsByCode. MAX_CONNECTIONS (20,000 by default) is what would refuse a big run
 * (HTTP 503): run.ts sets 50,000 for every shape. There is no per-IP or per-restaurant limit on
 * connections; the open-files limit (`ulimit -n`) of both processes must exceed the connections.
 */
export const MANY_ENV = { AUTH_JWT_SECRET: TEST_JWT_SECRET };

export interface ManyOptions {
  restaurants: string;
  screens: string;
  rate: string;
  duration: string;
  members: string;
  spread: string;
  users: string;
  protocol: string;
}

/** Run bench/many-restaurants.ts as its own process (progress on this stderr); its JSON result. */
export async function runMany(o: ManyOptions, wsUrl: string, pids: number[]): Promise<ManyResult> {
  const args = [
    MANY_RESTAURANTS,
    '--url',
    wsUrl,
    '--secret',
    TEST_JWT_SECRET,
    ...(['restaurants', 'screens', 'rate', 'duration', 'members', 'spread', 'users', 'protocol'] as const).flatMap((k) => [
      `--${k}`,
      o[k],
    ]),
    ...pids.flatMap((pid) => ['--server-pid', String(pid)]),
  ];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`many-restaurants exited with ${code}`))));
  });
  return JSON.parse(output.trim().split('\n').at(-1)!);
}

type Summary = { count: number; p50?: number; p90?: number; p99?: number; max?: number };

/** The fields of bench/many-restaurants.ts's result that the row shows. */
interface ManyResult {
  restaurants: number;
  screensPerRestaurant: number;
  connections: number;
  rate: number;
  durationS: number;
  acked: number;
  sent: number;
  ackMs: Summary;
  fanoutMs: Summary;
  lost: number;
  duplicates: number;
  errorsByCode: Record<string, number>;
  bytesPerDelivery: number;
  server: { cpuPct: number } | null;
  serverRssMiB: number | null;
  loadGeneratorCpuPct: number;
  loadGeneratorLoopDelayMs: { p99: number };
}
const ms = (s: Summary) => `${s.p50} / ${s.p90} / ${s.p99} / ${s.max}`;

/** | database | restaurants x screens | rate x s | acked/sent | ACK ms | fan-out ms | lost / dup | errors | B/delivery | server CPU, RSS | generator CPU / loop p99 | */
export function manyRow(r: ManyResult, database: string): string {
  const errors = Object.entries(r.errorsByCode)
    .map(([code, n]) => `${n} ${code}`)
    .join(', ');
  return (
    `| ${database} | ${r.restaurants} x ${r.screensPerRestaurant} = ${r.connections} | ${r.rate}/s x ${r.durationS} s | ` +
    `${r.acked}/${r.sent} | ${ms(r.ackMs)} | ${ms(r.fanoutMs)} | ${r.lost} / ${r.duplicates} | ${errors || 0} | ` +
    `${r.bytesPerDelivery} | ${r.server?.cpuPct}%, ${r.serverRssMiB} MiB | ${r.loadGeneratorCpuPct}% / ${r.loadGeneratorLoopDelayMs.p99} ms |\n`
  );
}

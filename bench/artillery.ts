// The plan's own load test, run with artillery itself and then checked for real: 50 new users/s
// for 60 s, 10 updates each (bench/artillery/staff-load.yml). Afterwards this script counts, in
// the database, the updates that were applied (each exactly once), and, at observer clients that
// stayed connected, the changes that were delivered (each exactly once, in order). Artillery's
// "0 errors" alone proves nothing; these counts do.
//   node bench/artillery.ts [--db postgres|pglite] [--rate 50] [--duration 60] [--observers 50]
// With --script plan it runs the plan's own script as the plan wrote it instead
// (bench/artillery/websocket-load-test.yml, see bench/artillery/plan-run.ts): artillery on the
// file, then the plan's frames with this bench's own clients, every frame and its reply counted
// by a proxy and by the server's metrics.
//   node bench/artillery.ts --script plan [--db postgres] [--rate 50] [--duration 20]
// Artillery (about 470 MB with its dependencies) is installed on first use into bench/.cache,
// without its browser download.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startServerProcess } from '@staff-sync/test-support/server-process';
import { createTestDatabase } from '@staff-sync/test-support/services';
import WebSocket from 'ws';
import { openPgliteDb } from '../packages/server/src/storage/pglite-db.ts';
import { runPlanScript } from './artillery/plan-run.ts';

const { values: opts } = parseArgs({
  options: {
    db: { type: 'string', default: 'postgres' },
    rate: { type: 'string', default: '50' },
    duration: { type: 'string', default: '60' },
    observers: { type: 'string', default: '50' },
    members: { type: 'string', default: '20' },
    script: { type: 'string', default: 'staff-load' },
  },
});
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const CACHE = here('./.cache/artillery');
const ARTILLERY = `${CACHE}/node_modules/.bin/artillery`;
const log = (line: string) => process.stderr.write(`[artillery-bench] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ensureArtillery(): void {
  if (existsSync(ARTILLERY)) return;
  log(`installing artillery into ${CACHE} (first run only)`);
  mkdirSync(CACHE, { recursive: true });
  execFileSync('npm', ['install', '--prefix', CACHE, '--ignore-scripts', '--no-audit', '--no-fund', 'artillery@2.0.34'], {
    stdio: 'inherit',
    env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
  });
}

interface Observer {
  ws: WebSocket;
  synced: boolean;
  seq: number;
  received: number[];
}

function envelope(type: string, payload: unknown, clientId: string, n: number): string {
  return JSON.stringify({ type, payload, timestamp: new Date().toISOString(), clientId, sequenceNumber: n });
}

async function observe(url: string, id: number): Promise<Observer> {
  const ws = new WebSocket(url);
  const o: Observer = { ws, synced: false, seq: 0, received: [] };
  ws.on('message', (data) => {
    const parsed = JSON.parse(String(data));
    for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
      if (m.type === 'SYNC_RESPONSE') {
        o.synced = true;
        o.seq = m.seq;
      } else if (o.synced && typeof m.seq === 'number' && m.type.startsWith('STAFF_')) {
        o.received.push(m.seq);
        o.seq = Math.max(o.seq, m.seq);
      }
    }
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send(envelope('SYNC_REQUEST', {}, `observer-${id}`, 1));
  while (!o.synced) await sleep(10);
  return o;
}

async function createMembers(url: string, count: number): Promise<string[]> {
  const ws = new WebSocket(url);
  await new Promise((resolve) => ws.once('open', resolve));
  const ids: string[] = [];
  ws.on('message', (data) => {
    const parsed = JSON.parse(String(data));
    for (const m of Array.isArray(parsed) ? parsed : [parsed]) if (m.type === 'ACK') ids.push(m.payload.staffId);
  });
  for (let i = 0; i < count; i++)
    ws.send(envelope('STAFF_CREATE', { name: `artillery ${i}`, position: 'load' }, 'artillery-setup', i + 1));
  while (ids.length < count) await sleep(10);
  ws.close();
  return ids;
}

async function main(): Promise<void> {
  if (opts.script !== 'staff-load' && opts.script !== 'plan') throw new Error('--script must be staff-load or plan');
  ensureArtillery();
  const database = opts.db === 'postgres' ? await createTestDatabase('artillery') : undefined;
  const server = await startServerProcess({
    env: {
      MAX_CONNECTIONS: '20000',
      // The plan's test does not pace itself; these limits would otherwise refuse part of it.
      RATE_LIMIT_PER_SECOND: '10000',
      RATE_LIMIT_BURST: '10000',
      USER_RATE_LIMIT_PER_SECOND: '100000',
      USER_RATE_LIMIT_BURST: '100000',
      ...(database ? { DATABASE_URL: database.url } : {}),
    },
  });
  try {
    if (opts.script === 'plan') {
      const result = await runPlanScript({
        server: { wsBase: `ws://127.0.0.1:${server.port}`, metricsUrl: `${server.url}/metrics` },
        artillery: ARTILLERY,
        cacheDir: CACHE,
        duration: Number(opts.duration),
        rate: Number(opts.rate),
      });
      process.stdout.write(`${JSON.stringify({ db: opts.db, ...result }, null, 2)}\n`);
      return;
    }
    const staffIds = await createMembers(server.wsUrl, Number(opts.members));
    const observers = await Promise.all(Array.from({ length: Number(opts.observers) }, (_, i) => observe(server.wsUrl, i)));
    const baseSeq = Math.max(...observers.map((o) => o.seq));
    log(`${observers.length} observers synced at seq ${baseSeq}; running artillery`);
    const reportFile = `${CACHE}/report-${Date.now()}.json`;
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const child = spawn(ARTILLERY, ['run', '--quiet', '--output', reportFile, here('./artillery/staff-load.yml')], {
        cwd: here('./artillery'),
        stdio: ['ignore', 'inherit', 'inherit'],
        env: {
          ...process.env,
          STAFF_SYNC_WS_URL: server.wsUrl,
          STAFF_IDS: staffIds.join(','),
          ARTILLERY_DURATION: opts.duration,
          ARTILLERY_ARRIVAL_RATE: opts.rate,
          ARTILLERY_DISABLE_TELEMETRY: 'true',
        },
      });
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`artillery exited with ${code}`))));
    });
    const artillerySeconds = (performance.now() - started) / 1000;
    const report = JSON.parse(readFileSync(reportFile, 'utf8')).aggregate;
    const counters = report.counters as Record<string, number>;
    // Wait until the observers stop receiving.
    let last = -1;
    while (observers.reduce((n, o) => n + o.received.length, 0) !== last) {
      last = observers.reduce((n, o) => n + o.received.length, 0);
      await sleep(2000);
    }
    const finalSeq = Math.max(...observers.map((o) => o.seq));

    // Applied: count in the database (PGlite: the server must be stopped to read its folder).
    const countSql = `select count(*)::int as applied, count(distinct (client_id, sequence_number))::int as distinct_keys,
                        count(distinct client_id)::int as clients
                      from staff_sync_changes where client_id like 'art-%'`;
    let applied: { applied: number; distinct_keys: number; clients: number };
    if (database) {
      const { default: postgres } = await import('postgres');
      const sql = postgres(database.url, { max: 1, onnotice: () => {} });
      applied = (await sql.unsafe(countSql))[0] as never;
      await sql.end();
    } else {
      await server.stop();
      const db = await openPgliteDb(server.dataDir);
      applied = (await db.query(countSql))[0] as never;
      await db.close();
    }

    let missing = 0;
    let duplicates = 0;
    let outOfOrder = 0;
    for (const o of observers) {
      const seen = new Map<number, number>();
      o.received.forEach((s, i) => {
        seen.set(s, (seen.get(s) ?? 0) + 1);
        if (i > 0 && s <= (o.received[i - 1] as number)) outOfOrder++;
      });
      for (let s = baseSeq + 1; s <= finalSeq; s++) if (!seen.has(s)) missing++;
      for (const n of seen.values()) if (n > 1) duplicates += n - 1;
    }
    const usersCreated = counters['vusers.created'] ?? 0;
    const updatesSent = (counters['websocket.messages_sent'] ?? 0) - usersCreated; // one SYNC_REQUEST each
    const result = {
      db: opts.db,
      arrivalRate: Number(opts.rate),
      durationS: Number(opts.duration),
      artillerySeconds: Number(artillerySeconds.toFixed(1)),
      artillery: {
        usersCreated,
        usersCompleted: counters['vusers.completed'] ?? 0,
        usersFailed: counters['vusers.failed'] ?? 0,
        messagesSent: counters['websocket.messages_sent'] ?? 0,
        errors: Object.fromEntries(Object.entries(counters).filter(([k]) => k.startsWith('errors.'))),
      },
      updatesSent,
      updatesApplied: applied.applied,
      appliedOnce: applied.applied === applied.distinct_keys,
      clientsThatWrote: applied.clients,
      changesInRun: finalSeq - baseSeq,
      observers: observers.length,
      deliveriesMissing: missing,
      deliveriesDuplicated: duplicates,
      deliveriesOutOfOrder: outOfOrder,
      everyUpdateAppliedAndDelivered:
        applied.applied === updatesSent &&
        applied.applied === applied.distinct_keys &&
        missing === 0 &&
        duplicates === 0 &&
        outOfOrder === 0,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    for (const o of observers) o.ws.terminate();
  } finally {
    await server.stop();
    await database?.drop();
  }
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});

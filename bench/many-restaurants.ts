// Load generator for the SaaS shape (issue 10, "Many restaurants"): R restaurants x S screens,
// every screen a staff-sync connection signed in with an HS256 token for its restaurant (one user
// per screen by default, role editor), the first screen of each restaurant its writer. Setup
// creates M members per restaurant (bounded concurrency); then R updates per second in all,
// evenly paced, each to the next restaurant of a plan fixed beforehand (round-robin or seeded
// random), a blind STAFF_UPDATE of one of its members. Measures ACK latency (writer: send -> ACK),
// fan-out latency (send -> the change event at every other screen of the restaurant, one clock),
// lost and duplicate change events per screen (every screen, the writer included, must get each
// change of its restaurant exactly once: per-restaurant seq), ERROR replies by code, the server's
// CPU and RSS (/proc, --server-pid), bytes received per delivered change, and this process's CPU
// and event-loop delay. Every frame received is JSON.parsed, as a browser's client does.
// Run it as its own process (bench/run.ts --shape many starts a server and runs it):
//   node bench/many-restaurants.ts --url ws://127.0.0.1:8080/staff-sync --restaurants 200 --rate 100
// Prints one JSON object with the results on stdout; progress on stderr.
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { hs256Token, TEST_JWT_SECRET } from '@staff-sync/test-support/tokens';
import WebSocket from 'ws';
import { Histogram } from './lib/histogram.ts';
import { countDeliveries, pool, progress, sleep, waitFor } from './lib/pool.ts';
import { cpuSecondsOf, ioOf, rssOf } from './lib/proc.ts';
import { type Spread, writePlan } from './lib/write-plan.ts';

const { values: opts } = parseArgs({
  options: {
    url: { type: 'string', default: 'ws://127.0.0.1:8080/staff-sync' },
    restaurants: { type: 'string', default: '2000' },
    screens: { type: 'string', default: '5' },
    rate: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '30' },
    members: { type: 'string', default: '5' },
    secret: { type: 'string', default: TEST_JWT_SECRET },
    'server-pid': { type: 'string', multiple: true },
    'connect-concurrency': { type: 'string', default: '200' },
    'setup-concurrency': { type: 'string', default: '100' },
    'drain-timeout': { type: 'string', default: '30' },
    spread: { type: 'string', default: 'round-robin' },
    seed: { type: 'string', default: '1' },
    users: { type: 'string', default: 'screen' },
    protocol: { type: 'string', default: 'v2' },
    prefix: { type: 'string' },
  },
});

const R = Number(opts.restaurants);
const S = Number(opts.screens);
const RATE = Number(opts.rate);
const DURATION_S = Number(opts.duration);
const MEMBERS = Number(opts.members);
const SERVER_PIDS = (opts['server-pid'] ?? []).map(Number);
/** How long setup steps and the drain after the run may take. */
const DRAIN_MS = Number(opts['drain-timeout']) * 1000;
const SPREAD = opts.spread as Spread;
const PROTOCOL = `staff-sync.${opts.protocol}`;
/** Restaurant ids start with this: a run against a server that holds others' data only sees its own. */
const PREFIX = opts.prefix ?? `many-${randomUUID().slice(0, 8)}`;
for (const [name, n, min] of [
  ['restaurants', R, 1],
  ['screens', S, 2],
  ['members', MEMBERS, 1],
  ['rate', RATE, 0.1],
  ['duration', DURATION_S, 0.1],
] as const)
  if (!(n >= min)) throw new Error(`--${name} must be at least ${min}`);
if (SPREAD !== 'round-robin' && SPREAD !== 'random') throw new Error('--spread must be round-robin or random');
if (opts.users !== 'screen' && opts.users !== 'restaurant') throw new Error('--users must be screen or restaurant');
// v2 changes only the payload of update and delete events; this tool reads the envelope alone.
if (opts.protocol !== 'v1' && opts.protocol !== 'v2') throw new Error('--protocol must be v1 or v2');
const log = (...args: unknown[]) => process.stderr.write(`[many] ${args.join(' ')}\n`);

interface Restaurant {
  index: number;
  id: string;
  screens: Screen[];
  staffIds: string[];
  /** The restaurant's seq once setup is over; the run's changes are base+1 .. maxAckedSeq. */
  baseSeq: number;
  maxAckedSeq: number;
  /** Writes of the run planned for it (the size of each screen's `got`). */
  planned: number;
  sent: number;
  /** Send time of the writer's mutations, by sequenceNumber. */
  sentAt: number[];
}

interface Screen {
  restaurant: Restaurant;
  writer: boolean;
  id: string;
  ws: WebSocket;
  seq: number;
  synced: boolean;
  next: number;
  /** Deliveries per change of the run (index seq - baseSeq - 1). */
  got: Uint8Array | undefined;
}

const restaurants: Restaurant[] = [];
const screens: Screen[] = [];
const ackLatencies = new Histogram();
const fanoutLatencies = new Histogram();
const errorsByCode: Record<string, number> = {};
const setupErrorsByCode: Record<string, number> = {};
const closedByCode: Record<string, number> = {};
const received = { frames: 0, bytes: 0, changeEvents: 0 };
let acked = 0;
let conflicts = 0;
let errorAnswers = 0;
/** Change events of the run's restaurants outside their run range (after base, past what was planned). */
let unexpected = 0;
let running = false;
let wrongHellos = 0;
let errorsLogged = 0;
let setupDone = false;
const ackWaiters = new Map<string, { resolve: (p: { staffId: string; seq: number }) => void; reject: (e: Error) => void }>();

function envelope(screen: Screen, type: string, payload: unknown): string {
  return JSON.stringify({
    type,
    payload,
    timestamp: new Date().toISOString(),
    clientId: screen.id,
    sequenceNumber: screen.next++,
  });
}

function onChange(screen: Screen, now: number, clientId: string, sequenceNumber: number, seq: number): void {
  if (seq > screen.seq) screen.seq = seq;
  const r = screen.restaurant;
  if (!screen.got || seq <= r.baseSeq) return;
  const i = seq - r.baseSeq - 1;
  if (i >= screen.got.length) {
    unexpected++;
    return;
  }
  if (screen.got[i]! < 255) screen.got[i]!++;
  if (screen.writer) return; // fan-out is measured at the other screens
  const writer = r.screens[0]!;
  const started = clientId === writer.id ? r.sentAt[sequenceNumber] : undefined;
  if (started !== undefined) fanoutLatencies.add(now - started);
}

function onMessage(screen: Screen, data: Buffer): void {
  const now = performance.now();
  if (running) {
    received.frames++;
    received.bytes += data.length;
  }
  const parsed = JSON.parse(data.toString());
  for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
    switch (m.type) {
      case 'STAFF_CREATE':
      case 'STAFF_UPDATE':
      case 'STAFF_DELETE':
      case 'SHIFT_BROADCAST':
        if (running) received.changeEvents++;
        onChange(screen, now, m.clientId, m.sequenceNumber, m.seq);
        break;
      case 'STAFF_PATCHES':
        // staff-sync.v2: [seq, op, staffId, changes, version, clientId, sequenceNumber, committedAtMs]
        for (const row of m.payload.events) {
          if (running) received.changeEvents++;
          onChange(screen, now, row[5], row[6], row[0]);
        }
        break;
      case 'HELLO':
        // The server must have read the token: this restaurant, allowed to edit.
        if (m.payload.restaurantId !== screen.restaurant.id || m.payload.role !== 'editor') {
          wrongHellos++;
          if (wrongHellos <= 3)
            log(`HELLO names ${m.payload.restaurantId} as ${m.payload.role}, not ${screen.restaurant.id} as editor`);
        }
        break;
      case 'SYNC_RESPONSE':
        if (m.seq > screen.seq) screen.seq = m.seq;
        screen.synced = true;
        break;
      case 'ACK': {
        const waiter = ackWaiters.get(`${screen.id}:${m.payload.sequenceNumber}`);
        if (waiter) {
          ackWaiters.delete(`${screen.id}:${m.payload.sequenceNumber}`);
          waiter.resolve(m.payload);
          break;
        }
        const r = screen.restaurant;
        const started = r.sentAt[m.payload.sequenceNumber];
        if (started !== undefined && running) {
          ackLatencies.add(now - started);
          acked++;
          if (m.payload.seq > r.maxAckedSeq) r.maxAckedSeq = m.payload.seq;
        }
        break;
      }
      case 'CONFLICT':
        if (running) conflicts++;
        break;
      case 'ERROR': {
        const code = String(m.payload.code);
        const key = `${screen.id}:${m.payload.sequenceNumber}`;
        const waiter = ackWaiters.get(key);
        const byCode = running || setupDone ? errorsByCode : setupErrorsByCode;
        byCode[code] = (byCode[code] ?? 0) + 1;
        if (waiter) {
          ackWaiters.delete(key);
          waiter.reject(new Error(`setup create refused: ${JSON.stringify(m.payload)}`));
        } else if (running && screen.restaurant.sentAt[m.payload.sequenceNumber] !== undefined) errorAnswers++;
        if (++errorsLogged <= 5) log('ERROR', JSON.stringify(m.payload));
        break;
      }
    }
  }
}

async function connect(screen: Omit<Screen, 'ws'>, token: string): Promise<Screen> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(opts.url!, PROTOCOL, { perMessageDeflate: false, headers: { Authorization: `Bearer ${token}` } });
    const s: Screen = { ...screen, ws };
    ws.on('message', (data) => onMessage(s, data as Buffer));
    ws.once('open', () => {
      if (ws.protocol !== PROTOCOL) return reject(new Error(`the server chose subprotocol "${ws.protocol}", not ${PROTOCOL}`));
      ws.send(envelope(s, 'SYNC_REQUEST', {}));
      resolve(s);
    });
    ws.once('error', (error) => reject(new Error(`restaurant ${s.restaurant.id}: ${error.message}`)));
    ws.on('close', (code) => {
      if (!running) return;
      closedByCode[code] = (closedByCode[code] ?? 0) + 1;
      const closed = Object.values(closedByCode).reduce((a, b) => a + b, 0);
      if (closed <= 5) log(`connection closed during the run: ${code}${closed === 5 ? ' (no more of these lines)' : ''}`);
    });
  });
}

async function main(): Promise<void> {
  const rssSamples: number[] = [];
  const sampleRss = () => rssSamples.push(SERVER_PIDS.reduce((n, pid) => n + rssOf(pid), 0));
  const rssSampler = setInterval(sampleRss, 1000);
  sampleRss();

  // Connections: restaurant by restaurant, screen 0 the writer, each with its own token.
  const t0 = performance.now();
  for (let i = 0; i < R; i++) {
    const id = `${PREFIX}-${i}`;
    restaurants.push({ index: i, id, screens: [], staffIds: [], baseSeq: 0, maxAckedSeq: 0, planned: 0, sent: 0, sentAt: [] });
  }
  const expiresIn = 3600 + Math.ceil(DURATION_S);
  const connected = progress(log, 'connections open', R * S);
  await pool(
    R * S,
    Number(opts['connect-concurrency']),
    async (n) => {
      const r = restaurants[Math.floor(n / S)]!;
      const k = n % S;
      const sub = opts.users === 'screen' ? `${r.id}-user-${k}` : `${r.id}-user`;
      const token = await hs256Token({ restaurant: r.id, role: 'editor', name: `screen ${k + 1}`, sub, expiresIn }, opts.secret);
      const screen = await connect(
        { restaurant: r, writer: k === 0, id: randomUUID(), seq: 0, synced: false, next: 1, got: undefined },
        token,
      );
      r.screens[k] = screen;
      screens.push(screen);
    },
    connected,
  );
  await waitFor('every screen synced', () => screens.every((s) => s.synced), DRAIN_MS);
  if (wrongHellos > 0) throw new Error(`${wrongHellos} connections were not signed in to their restaurant as editors`);
  const connectS = (performance.now() - t0) / 1000;
  log(`${R * S} connections open and synced in ${connectS.toFixed(1)} s`);

  // Members: the writer of each restaurant creates them, a bounded number of creates in flight.
  const t1 = performance.now();
  const created = progress(log, 'members created', R * MEMBERS);
  await pool(
    R * MEMBERS,
    Number(opts['setup-concurrency']),
    async (n) => {
      const r = restaurants[Math.floor(n / MEMBERS)]!;
      const writer = r.screens[0]!;
      const sequenceNumber = writer.next;
      const ack = new Promise<{ staffId: string; seq: number }>((resolve, reject) =>
        ackWaiters.set(`${writer.id}:${sequenceNumber}`, { resolve, reject }),
      );
      writer.ws.send(envelope(writer, 'STAFF_CREATE', { name: `member ${n % MEMBERS}`, position: 'load' }));
      const { staffId, seq } = await ack;
      r.staffIds.push(staffId);
      if (seq > r.baseSeq) r.baseSeq = seq;
    },
    created,
  );
  await waitFor('every screen holding its members', () => screens.every((s) => s.seq >= s.restaurant.baseSeq), DRAIN_MS);
  const setupS = (performance.now() - t1) / 1000;
  setupDone = true;

  // The run: writes paced evenly, restaurant by the plan, member round-robin within it.
  const total = Math.floor(RATE * DURATION_S);
  const plan = writePlan(total, R, SPREAD, Number(opts.seed));
  for (const r of plan) restaurants[r]!.planned++;
  for (const s of screens) s.got = new Uint8Array(s.restaurant.planned);
  for (const r of restaurants) r.maxAckedSeq = r.baseSeq;
  const rssBefore = rssSamples.length;
  const cpuStart = process.cpuUsage();
  const serverCpuStart = SERVER_PIDS.reduce((n, pid) => n + cpuSecondsOf(pid), 0);
  const serverIoStart = SERVER_PIDS.map(ioOf);
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  log(`running: ${RATE} updates/s over ${R} restaurants (${SPREAD}) for ${DURATION_S} s; setup took ${setupS.toFixed(1)} s`);
  running = true;
  const started = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const elapsed = (performance.now() - started) / 1000;
      const due = Math.min(Math.floor(elapsed * RATE), total);
      for (; sent < due; sent++) {
        const r = restaurants[plan[sent]!]!;
        const writer = r.screens[0]!;
        r.sentAt[writer.next] = performance.now();
        const staffId = r.staffIds[r.sent++ % MEMBERS];
        writer.ws.send(envelope(writer, 'STAFF_UPDATE', { staffId, changes: { order: r.sent } }));
      }
      if (sent >= total) {
        clearInterval(tick);
        resolve();
      }
    }, 2);
  });
  const sendSeconds = (performance.now() - started) / 1000;
  log(`sent ${sent} in ${sendSeconds.toFixed(1)} s; waiting for ACKs and deliveries`);
  const deadline = performance.now() + DRAIN_MS;
  while (performance.now() < deadline) {
    if (acked + conflicts + errorAnswers >= sent && screens.every((s) => s.seq >= s.restaurant.maxAckedSeq)) break;
    await sleep(100);
  }
  running = false;
  loopDelay.disable();
  clearInterval(rssSampler);
  sampleRss();
  const cpu = process.cpuUsage(cpuStart);
  const wall = (performance.now() - started) / 1000;
  const serverCpu = SERVER_PIDS.reduce((n, pid) => n + cpuSecondsOf(pid), 0) - serverCpuStart;
  const serverIoEnd = SERVER_PIDS.map(ioOf);
  const serverIo = (field: 'syscw' | 'wchar') => serverIoEnd.reduce((n, x, i) => n + x[field] - serverIoStart[i]![field], 0);

  // Every change of the run (base+1 .. maxAckedSeq of its restaurant) must reach every screen of
  // the restaurant exactly once.
  const { changes, lost, duplicates, delivered } = countDeliveries(restaurants);
  const mib = (bytes: number) => Number((bytes / 1048576).toFixed(1));
  const result = {
    shape: 'many-restaurants',
    protocol: PROTOCOL,
    restaurants: R,
    screensPerRestaurant: S,
    connections: R * S,
    usersPer: opts.users,
    writersPerRestaurant: 1,
    membersPerRestaurant: MEMBERS,
    spread: SPREAD,
    rate: RATE,
    durationS: DURATION_S,
    connectS: Number(connectS.toFixed(1)),
    setupS: Number(setupS.toFixed(1)),
    setupErrorsByCode,
    // The target's first part: every update applied (ACKed) and every change at every screen once.
    allApplied: acked === sent,
    allDelivered: acked === sent && lost === 0 && duplicates === 0 && unexpected === 0,
    sent,
    acked,
    conflicts,
    errors: errorAnswers,
    errorsByCode,
    unanswered: sent - acked - conflicts - errorAnswers,
    changes,
    expectedDeliveries: changes * S,
    delivered,
    lost,
    duplicates,
    unexpected,
    closedDuringRun: closedByCode,
    ackMs: ackLatencies.summary(),
    fanoutMs: fanoutLatencies.summary(),
    framesPerSecond: Math.round(received.frames / wall),
    bytesPerSecond: Math.round(received.bytes / wall),
    // Everything the screens read during the run (ACKs included) per change event they got.
    bytesPerDelivery: Math.round(received.bytes / Math.max(1, received.changeEvents)),
    framesPerDelivery: Number((received.frames / Math.max(1, received.changeEvents)).toFixed(2)),
    server: SERVER_PIDS.length
      ? {
          cpuPct: Math.round((serverCpu / wall) * 100),
          cpuSeconds: Number(serverCpu.toFixed(2)),
          cpuMsPerChange: Number(((serverCpu * 1000) / Math.max(1, changes)).toFixed(2)),
          writeSyscallsPerChange: Number((serverIo('syscw') / Math.max(1, changes)).toFixed(1)),
          bytesWrittenPerChange: Math.round(serverIo('wchar') / Math.max(1, changes)),
        }
      : null,
    windowS: Number(wall.toFixed(1)),
    // Peak over the whole tool's life (connections and setup included), and over the run alone.
    serverRssMiB: SERVER_PIDS.length ? mib(Math.max(...rssSamples)) : null,
    serverRssRunMiB: SERVER_PIDS.length ? mib(Math.max(...rssSamples.slice(Math.max(0, rssBefore - 1)))) : null,
    loadGeneratorCpuPct: Math.round(((cpu.user + cpu.system) / 1e6 / wall) * 100),
    loadGeneratorCpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
    loadGeneratorLoopDelayMs: {
      p50: Number((loopDelay.percentile(50) / 1e6).toFixed(1)),
      p99: Number((loopDelay.percentile(99) / 1e6).toFixed(1)),
      max: Number((loopDelay.max / 1e6).toFixed(1)),
    },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  for (const s of screens) s.ws.terminate();
}

main().catch((error) => {
  process.stderr.write(`[many] failed: ${error?.stack ?? error}\n`);
  process.exit(1);
});

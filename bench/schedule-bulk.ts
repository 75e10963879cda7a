// A bulk change of a whole period (SHIFT_BULK_UPDATE: --members x the period's days, 40 x 31 =
// 1,240 cells) to --subscribers schedule screens, --repeats times: commit time (send -> ACK at the
// writer), delivery time (send -> the last subscriber holding every cell of it), frames each
// subscriber got for it (one is the goal: a v1 screen gets the 1,240 SHIFT_BROADCAST events in one
// frame, a plain one a single SHIFT_SYNC_RESPONSE { broadcast: true }) and bytes per frame.
// The server runs as its own process; the writer and the subscribers are in this one, so one
// clock; its CPU is reported, since it reads every byte the server writes.
//   node bench/schedule-bulk.ts [--db postgres|pglite] [--subscribers 1000] [--members 40] [--repeats 10] [--plain-share 0] [--protocol staff-sync.v1|staff-sync.v2]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startServerProcess } from '@staff-sync/test-support/server-process';
import { createTestDatabase } from '@staff-sync/test-support/services';
import WebSocket from 'ws';

const { values: opts } = parseArgs({
  options: {
    db: { type: 'string', default: 'postgres' },
    subscribers: { type: 'string', default: '1000' },
    members: { type: 'string', default: '40' },
    repeats: { type: 'string', default: '10' },
    'plain-share': { type: 'string', default: '0' },
    // The subprotocol the other screens offer: staff-sync.v1, or staff-sync.v2 (a bulk as one message).
    protocol: { type: 'string', default: 'staff-sync.v1' },
    timeout: { type: 'string', default: '60' },
  },
});
const N = Number(opts.subscribers);
const PLAIN = Math.round(N * Number(opts['plain-share']));
const PROTOCOL = opts.protocol;
if (PROTOCOL !== 'staff-sync.v1' && PROTOCOL !== 'staff-sync.v2')
  throw new Error('--protocol must be staff-sync.v1 or staff-sync.v2');
const log = (line: string) => process.stderr.write(`[schedule-bulk] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Symbols a 社員 member may have, without "" (normal), so each repeat changes every cell. */
const CELL_VALUES = ['×', '△', 'late', '◎', '▣', '★', '●'];

interface Period {
  index: number;
  startDate: string;
  endDate: string;
}

interface Screen {
  ws: WebSocket;
  plain: boolean;
  cellsSynced: boolean;
  periodIndex: number;
  /** For the bulk under way: frames and bytes received, events seen, the highest seq and when it came. */
  frames: number;
  bytes: number;
  events: number;
  lastSeq: number;
  lastSeqAt: number;
}

/** The time the screen held every cell of the bulk (its last seq), if it does. */
const doneAt = (s: Screen): number | undefined => (s.lastSeq >= bulk.lastSeq ? s.lastSeqAt : undefined);

let bulk: { lastSeq: number; cells: number; active: boolean } = { lastSeq: Number.POSITIVE_INFINITY, cells: 0, active: false };
const BROADCAST = Buffer.from('"type":"SHIFT_BROADCAST"');
const SEQ = Buffer.from('"seq":');

function countOf(data: Buffer, needle: Buffer): number {
  let n = 0;
  for (let at = data.indexOf(needle); at >= 0; at = data.indexOf(needle, at + needle.length)) n++;
  return n;
}

/** The seq on the frame's last message (envelopes end with `"seq":N}`). */
function lastSeqOf(data: Buffer): number {
  const at = data.lastIndexOf(SEQ);
  if (at < 0) return -1;
  let n = 0;
  for (let i = at + SEQ.length; data[i]! >= 48 && data[i]! <= 57; i++) n = n * 10 + (data[i]! - 48);
  return n;
}

function onScreenMessage(screen: Screen, data: Buffer): void {
  const now = performance.now();
  if (!screen.cellsSynced) {
    const parsed = JSON.parse(data.toString());
    for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
      // A plain screen speaks after CONNECTION_ACK, as the plan's clients do.
      if (m.type === 'CONNECTION_ACK') {
        screen.ws.send(JSON.stringify({ type: 'SYNC_REQUEST', payload: {} }));
        screen.ws.send(JSON.stringify({ type: 'SHIFT_SYNC_REQUEST', payload: { periodIndex: screen.periodIndex } }));
      }
      if (m.type === 'SHIFT_SYNC_RESPONSE') screen.cellsSynced = true;
    }
    return;
  }
  if (!bulk.active) return;
  screen.frames++;
  screen.bytes += data.length;
  let seq: number;
  if (screen.plain) {
    // The real app's screens read one message per frame and get the period's cells after a bulk.
    const m = JSON.parse(data.toString());
    if (m.type !== 'SHIFT_SYNC_RESPONSE' || m.payload.broadcast !== true) return;
    screen.events += Object.values(m.payload.scheduleData as Record<string, object>).reduce(
      (n, c) => n + Object.keys(c).length,
      0,
    );
    seq = m.seq;
  } else if (PROTOCOL === 'staff-sync.v2') {
    // Parsed whole: a bulk comes as one SHIFT_BULK_BROADCAST naming its cells.
    const parsed = JSON.parse(data.toString());
    seq = -1;
    for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
      if (m.type === 'SHIFT_BULK_BROADCAST') screen.events += m.payload.cells.length;
      else if (m.type === 'SHIFT_BROADCAST') screen.events += 1;
      if (typeof m.seq === 'number') seq = Math.max(seq, m.seq);
    }
  } else {
    screen.events += countOf(data, BROADCAST);
    seq = lastSeqOf(data);
  }
  if (seq > screen.lastSeq) {
    screen.lastSeq = seq;
    screen.lastSeqAt = now;
  }
}

async function openScreen(url: string, plain: boolean, periodIndex: number): Promise<Screen> {
  const ws = new WebSocket(url, plain ? [] : PROTOCOL, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
  const screen: Screen = { ws, plain, cellsSynced: false, periodIndex, frames: 0, bytes: 0, events: 0, lastSeq: 0, lastSeqAt: 0 };
  ws.on('message', (data) => onScreenMessage(screen, data as Buffer));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  if (!plain) {
    const clientId = `screen-${Math.random()}`;
    let n = 0;
    const message = (type: string, payload: unknown) =>
      JSON.stringify({ type, payload, timestamp: new Date().toISOString(), clientId, sequenceNumber: ++n });
    ws.send(message('SYNC_REQUEST', {}));
    ws.send(message('SHIFT_SYNC_REQUEST', { periodIndex }));
  }
  return screen;
}

/** The writer: a staff-sync.v1 client whose replies this script awaits by sequenceNumber. */
async function openWriter(url: string) {
  const ws = new WebSocket(url, 'staff-sync.v1', { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
  const waiting = new Map<number, (m: { type: string; payload: Record<string, unknown>; at: number }) => void>();
  let next = 1;
  let periods: { periods: Period[]; current: number } | undefined;
  ws.on('message', (data) => {
    const at = performance.now();
    const text = data.toString();
    // Change events (its own bulk's too) are not read here.
    if (text.startsWith('{"type":"SHIFT_BROADCAST"') || text.startsWith('[{"type":"SHIFT_BROADCAST"')) return;
    const parsed = JSON.parse(text);
    for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
      if (m.type === 'SYNC_RESPONSE' && m.payload.full) periods = { periods: m.payload.periods, current: m.payload.period };
      const n = m.payload?.sequenceNumber;
      if ((m.type === 'ACK' || m.type === 'ERROR' || m.type === 'CONFLICT') && waiting.has(n)) {
        waiting.get(n)?.({ ...m, at });
        waiting.delete(n);
      }
    }
  });
  await new Promise((resolve) => ws.once('open', resolve));
  const send = (type: string, payload: unknown) => {
    const n = next++;
    const reply = new Promise<{ type: string; payload: Record<string, unknown>; at: number }>((resolve) =>
      waiting.set(n, resolve),
    );
    const sentAt = performance.now();
    ws.send(JSON.stringify({ type, payload, timestamp: new Date().toISOString(), clientId: 'bulk-writer', sequenceNumber: n }));
    return { sentAt, reply };
  };
  send('SYNC_REQUEST', {});
  while (!periods) await sleep(20);
  return { ws, send, periods };
}

function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function datesOf(period: Period): string[] {
  const dates: string[] = [];
  for (
    let d = new Date(`${period.startDate}T00:00:00Z`);
    d <= new Date(`${period.endDate}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + 1)
  )
    dates.push(d.toISOString().slice(0, 10));
  return dates;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number;
};

async function main(): Promise<void> {
  const database = opts.db === 'postgres' ? await createTestDatabase('bulk') : undefined;
  const server = await startServerProcess({
    env: {
      LOG_LEVEL: 'info',
      MAX_CONNECTIONS: String(N + 100),
      ...(database ? { DATABASE_URL: database.url } : {}),
    },
  });
  const pid = server.process.pid as number;
  const screens: Screen[] = [];
  try {
    const writer = await openWriter(server.wsUrl);
    // The first period from the current one with 31 days: a whole month of cells.
    const period = writer.periods.periods.slice(writer.periods.current).find((p) => datesOf(p).length === 31);
    if (!period) throw new Error('no period of 31 days among the next ones');
    const dates = datesOf(period);
    const staffIds: string[] = [];
    for (let i = 0; i < Number(opts.members); i++) {
      const { reply } = writer.send('STAFF_CREATE', { name: `bulk ${i}`, position: 'load', status: '社員' });
      const r = await reply;
      if (r.type !== 'ACK') throw new Error(JSON.stringify(r));
      staffIds.push(r.payload.staffId as string);
    }
    const cells = staffIds.length * dates.length;
    for (let i = 0; i < N; i += 200) {
      screens.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(200, N - i) }, (_, j) => openScreen(server.wsUrl, i + j >= N - PLAIN, period.index)),
        )),
      );
    }
    while (screens.some((s) => !s.cellsSynced)) await sleep(50);
    log(
      `${N} screens (${PLAIN} plain) hold period ${period.index} (${period.startDate}..${period.endDate}); ${cells} cells per bulk`,
    );
    await sleep(1000);

    const runs: Record<string, number>[] = [];
    const cpuStart = cpuSecondsOf(pid);
    const ownCpuStart = process.cpuUsage();
    for (let r = 0; r < Number(opts.repeats); r++) {
      const value = CELL_VALUES[r % CELL_VALUES.length] as string;
      const scheduleData = Object.fromEntries(staffIds.map((id) => [id, Object.fromEntries(dates.map((d) => [d, value]))]));
      for (const s of screens) Object.assign(s, { frames: 0, bytes: 0, events: 0 });
      bulk = { lastSeq: Number.POSITIVE_INFINITY, cells, active: true };
      const body = JSON.stringify({ periodIndex: period.index, scheduleData });
      const { sentAt, reply } = writer.send('SHIFT_BULK_UPDATE', { periodIndex: period.index, scheduleData });
      const ack = await reply;
      if (ack.type !== 'ACK' || ack.payload.cells !== cells) throw new Error(`bulk ${r}: ${JSON.stringify(ack).slice(0, 300)}`);
      bulk.lastSeq = ack.payload.seq as number;
      // Events may have come before the ACK: a screen holds the bulk once its last seq came.
      const deadline = performance.now() + Number(opts.timeout) * 1000;
      while (screens.some((s) => doneAt(s) === undefined) && performance.now() < deadline) await sleep(5);
      bulk.active = false;
      const done = screens.filter((s) => doneAt(s) !== undefined);
      const events = screens.map((s) => s.events);
      const frames = screens.map((s) => s.frames);
      const bytes = screens.reduce((n, s) => n + s.bytes, 0);
      const framesTotal = frames.reduce((a, b) => a + b, 0);
      runs.push({
        repeat: r + 1,
        payloadBytes: Buffer.byteLength(body),
        commitMs: Number((ack.at - sentAt).toFixed(1)),
        deliveryMs: done.length === N ? Number((Math.max(...done.map((s) => doneAt(s) as number)) - sentAt).toFixed(1)) : -1,
        firstScreenMs: Number((Math.min(...done.map((s) => doneAt(s) as number)) - sentAt).toFixed(1)),
        screensDone: done.length,
        cellsPerScreenMin: Math.min(...events),
        cellsPerScreenMax: Math.max(...events),
        framesPerScreenMin: Math.min(...frames),
        framesPerScreenMax: Math.max(...frames),
        bytesPerFrame: Math.round(bytes / Math.max(1, framesTotal)),
      });
      log(JSON.stringify(runs.at(-1)));
      await sleep(1000);
    }
    const ownCpu = process.cpuUsage(ownCpuStart);
    const commit = runs.map((x) => x.commitMs as number);
    const delivery = runs.map((x) => x.deliveryMs as number);
    const result = {
      db: opts.db,
      subscribers: N,
      plain: PLAIN,
      cells,
      repeats: runs.length,
      commitMs: { p50: percentile(commit, 0.5), max: Math.max(...commit) },
      deliveryMs: delivery.includes(-1)
        ? 'not every screen got every cell in time'
        : { p50: percentile(delivery, 0.5), max: Math.max(...delivery) },
      framesPerScreen: {
        min: Math.min(...runs.map((x) => x.framesPerScreenMin as number)),
        max: Math.max(...runs.map((x) => x.framesPerScreenMax as number)),
      },
      bytesPerFrame: runs.map((x) => x.bytesPerFrame),
      serverCpuSeconds: Number((cpuSecondsOf(pid) - cpuStart).toFixed(2)),
      ownCpuSeconds: Number(((ownCpu.user + ownCpu.system) / 1e6).toFixed(2)),
      runs,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    writer.ws.terminate();
  } finally {
    for (const s of screens) s.ws.terminate();
    await server.stop();
    await database?.drop();
  }
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});

// Load generator for a running staff-sync server: N connections, W of them writers, R updates per
// second in all for D seconds. Measures ACK latency (writer: send -> ACK), fan-out latency (send ->
// change event at each subscriber, one clock since it is one process), lost and duplicate
// deliveries per subscriber, and the server's RSS, CPU and write syscalls (from /proc when
// --server-pid is given).
// --protocol v2|v1 picks the subprotocol of every other connection (v2: compact change events,
// STAFF_PATCHES rows; the default, as the project's own client). --deflate negotiates
// permessage-deflate. --read json (the default) JSON.parses every frame every client receives;
// --read scan lets v1 and plain subscribers read a change event's three fields straight from the
// bytes (the earlier runs' way, to isolate the server's cost). Bytes per delivery are counted both
// as messages (after inflation) and on the wire (the sockets' bytesRead: frame headers and all).
// --plain-share S makes the last S x N connections plain-dialect clients (no subprotocol: they
// wait for CONNECTION_ACK, send without sequenceNumber, and read one message per frame); the
// writers always speak --protocol. --kind cells sends SHIFT_UPDATE
// (one schedule cell each, blind) instead of STAFF_UPDATE; every subscriber has asked for the
// period's cells (SHIFT_SYNC_REQUEST) first, as a schedule screen does.
// Run it as its own process: `node bench/load.ts --url ws://127.0.0.1:8080/staff-sync ...`.
// Prints one JSON object with the results on stdout; progress on stderr.
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { Histogram } from './lib/histogram.ts';
import { cpuSecondsOf, ioOf, rssOf } from './lib/proc.ts';

const { values: opts } = parseArgs({
  options: {
    url: { type: 'string', default: 'ws://127.0.0.1:8080/staff-sync' },
    connections: { type: 'string', default: '1000' },
    writers: { type: 'string', default: '10' },
    rate: { type: 'string', default: '200' },
    duration: { type: 'string', default: '30' },
    members: { type: 'string', default: '50' },
    'server-pid': { type: 'string', multiple: true },
    'connect-concurrency': { type: 'string', default: '200' },
    'drain-timeout': { type: 'string', default: '30' },
    token: { type: 'string' },
    'plain-share': { type: 'string', default: '0' },
    kind: { type: 'string', default: 'staff' },
    read: { type: 'string', default: 'json' },
    protocol: { type: 'string', default: 'v2' },
    deflate: { type: 'boolean', default: false },
  },
});

const N = Number(opts.connections);
const W = Math.min(Number(opts.writers), N);
const RATE = Number(opts.rate);
const DURATION_S = Number(opts.duration);
const MEMBERS = Number(opts.members);
const SERVER_PIDS = (opts['server-pid'] ?? []).map(Number);
const PLAIN = Math.round(N * Number(opts['plain-share']));
const KIND = opts.kind;
/** json: every client JSON.parses every frame; scan: v1 and plain change events are read from the bytes (isolates the server's cost). */
const READ = opts.read;
if (READ !== 'json' && READ !== 'scan') throw new Error('--read must be json or scan');
const PROTOCOL = opts.protocol as 'v1' | 'v2';
if (PROTOCOL !== 'v1' && PROTOCOL !== 'v2') throw new Error('--protocol must be v1 or v2');
if (READ === 'scan' && PROTOCOL === 'v2') throw new Error('--read scan reads v1 events; v2 frames are always parsed');
if (KIND !== 'staff' && KIND !== 'cells') throw new Error('--kind must be staff or cells');
if (!(PLAIN >= 0 && PLAIN <= N - W)) throw new Error('--plain-share leaves no room for the writers (they speak --protocol)');
/** The symbols a 社員 member may have, without "" (normal): successive writes to a cell always differ. */
const CELL_VALUES = ['×', '△', 'late', '◎', '▣', '★', '●'];
const log = (...args: unknown[]) => process.stderr.write(`[load] ${args.join(' ')}\n`);

type Dialect = 'v1' | 'v2' | 'plain';

interface Client {
  id: string;
  ws: WebSocket;
  dialect: Dialect;
  /** The TCP socket under the WebSocket: its bytesRead are the wire bytes. */
  socket?: { bytesRead: number };
  /** Writes, so its frames are always parsed whole (an ACK may share a frame with events). */
  writer: boolean;
  seq: number; // last seq seen
  synced: boolean;
  /** The period's cells received (SHIFT_SYNC_RESPONSE), for --kind cells. */
  cellsSynced: boolean;
  next: number; // next sequenceNumber
  /** deliveries per seq offset during the run */
  got: Uint8Array | undefined;
}

const clients: Client[] = [];
/** Send time of each writer's mutations, by clientId then sequenceNumber. */
const sentAt = new Map<string, Float64Array>();
const ackLatencies = new Histogram();
const fanoutLatencies = new Histogram();
const fanoutByDialect: Record<Dialect, Histogram> = { v1: new Histogram(), v2: new Histogram(), plain: new Histogram() };
/** Frames and bytes received during the run, per dialect; arrays must never reach a plain client. */
const received = {
  v1: { frames: 0, bytes: 0, clients: 0 },
  v2: { frames: 0, bytes: 0, clients: 0 },
  plain: { frames: 0, bytes: 0, clients: 0, arrayFrames: 0 },
};
/** The period the server calls current, from the first full SYNC_RESPONSE: its index and dates. */
let period: { index: number; startDate: string; endDate: string } | undefined;
let acked = 0;
let errors = 0;
let conflicts = 0;
let maxAckedSeq = 0;
let baseSeq = 0; // seq before the run
let running = false;
const ackWaiters = new Map<string, (payload: { staffId: string; seq: number }) => void>();

function envelope(client: Client, type: string, payload: unknown): string {
  // A plain client reads as the plan's hook does and sends what it sends: no sequenceNumber (so
  // no deduplication), the clientId CONNECTION_ACK named.
  if (client.dialect === 'plain')
    return JSON.stringify({ type, payload, timestamp: new Date().toISOString(), clientId: client.id });
  return JSON.stringify({
    type,
    payload,
    timestamp: new Date().toISOString(),
    clientId: client.id,
    sequenceNumber: client.next++,
  });
}

// Change events end with `"clientId":"…","sequenceNumber":N,"seq":N}` (the server's field order).
// At 1,000 subscribers x 200 changes/s this process receives about 120 MB/s of JSON, so it reads
// those three fields straight from the bytes: it must not be the bottleneck. It looks for the
// byte `q` (memchr, about 10x faster than a multi-byte search), which starts few places besides
// `"sequenceNumber"` and `"seq"`, checks the bytes around it, and reads the clientId backwards.
const SEQUENCE_NUMBER = Buffer.from('"sequenceNumber":');
const SEQ = Buffer.from(',"seq":');
const Q = 0x71;
const QUOTE = 0x22;

function digitsAt(data: Buffer, at: number): number {
  let n = 0;
  for (let c = data[at]!; c >= 48 && c <= 57; c = data[++at]!) n = n * 10 + (c - 48);
  return n;
}

function isAt(data: Buffer, at: number, text: Buffer): boolean {
  return at >= 0 && data.compare(text, 0, text.length, at, at + text.length) === 0;
}

function readChanges(client: Client, data: Buffer, now: number): void {
  for (let q = data.indexOf(Q); q >= 0; q = data.indexOf(Q, q + 1)) {
    const start = q - 3; // `"seq` + `uenceNumber":`
    if (!isAt(data, start, SEQUENCE_NUMBER)) continue;
    const idEnd = start - 2; // the quote that closes the clientId, before `,`
    const idStart = data.lastIndexOf(QUOTE, idEnd - 1) + 1;
    let at = start + SEQUENCE_NUMBER.length;
    const sequenceNumber = digitsAt(data, at);
    while (data[at]! >= 48 && data[at]! <= 57) at++;
    if (!isAt(data, at, SEQ)) continue;
    onChange(client, now, data.toString('latin1', idStart, idEnd), sequenceNumber, digitsAt(data, at + SEQ.length));
    q = at + SEQ.length;
  }
}

function onChange(client: Client, now: number, clientId: string, sequenceNumber: number, seq: number): void {
  if (seq > client.seq) client.seq = seq;
  if (client.got && seq > baseSeq && seq - baseSeq <= client.got.length) {
    const i = seq - baseSeq - 1;
    if (client.got[i]! < 255) client.got[i]!++;
    const started = sentAt.get(clientId)?.[sequenceNumber];
    if (started) {
      fanoutLatencies.add(now - started);
      fanoutByDialect[client.dialect].add(now - started);
    }
  }
}

const FAST_HEADS = ['{"type":"STAFF_', '[{"type":"STAFF_', '{"type":"SHIFT_BROADCAST"', '[{"type":"SHIFT_BROADCAST"'];

function onMessage(client: Client, data: Buffer): void {
  const now = performance.now();
  if (running) {
    const r = received[client.dialect];
    r.frames++;
    r.bytes += data.length;
  }
  // A v1 subscriber that only reads changes (not a writer, set up) takes the byte reader; a plain
  // client parses every frame, as the plan's hook does.
  if (READ === 'scan' && client.dialect !== 'v2' && !client.writer && client.synced && (KIND === 'staff' || client.cellsSynced)) {
    const head = data.toString('latin1', 0, 26);
    if (FAST_HEADS.some((h) => head.startsWith(h))) {
      if (client.dialect === 'plain' && data[0] === 0x5b) received.plain.arrayFrames++;
      readChanges(client, data, now);
      return;
    }
  }
  const parsed = JSON.parse(data.toString());
  if (Array.isArray(parsed) && client.dialect === 'plain') {
    received.plain.arrayFrames++;
    if (received.plain.arrayFrames <= 3) log('a plain client got an array frame');
  }
  for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
    switch (m.type) {
      case 'STAFF_CREATE':
      case 'STAFF_UPDATE':
      case 'STAFF_DELETE':
      case 'SHIFT_BROADCAST':
        onChange(client, now, m.clientId, m.sequenceNumber, m.seq);
        break;
      case 'STAFF_PATCHES':
        // staff-sync.v2: [seq, op, staffId, changes, version, clientId, sequenceNumber, committedAtMs]
        for (const row of m.payload.events) onChange(client, now, row[5], row[6], row[0]);
        break;
      case 'SHIFT_BULK_BROADCAST':
        for (let n = 0; n < m.payload.cells.length; n++)
          onChange(client, now, m.clientId, m.sequenceNumber, m.payload.firstSeq + n);
        break;
      case 'CONNECTION_ACK':
        // The plan's clients wait for this, and take their clientId from it.
        if (client.dialect === 'plain') {
          client.id = m.payload.clientId;
          client.ws.send(envelope(client, 'SYNC_REQUEST', {}));
        }
        break;
      case 'SYNC_RESPONSE':
        client.seq = m.seq;
        client.synced = true;
        if (!period && m.payload.full) {
          const p = m.payload.periods[m.payload.period];
          if (p) period = { index: p.index, startDate: p.startDate, endDate: p.endDate };
        }
        break;
      case 'SHIFT_SYNC_RESPONSE':
        if (m.seq > client.seq) client.seq = m.seq;
        client.cellsSynced = true;
        break;
      case 'ACK': {
        if (client.dialect === 'plain') break; // none of the run's: plain clients do not write
        const key = `${client.id}:${m.payload.sequenceNumber}`;
        const waiter = ackWaiters.get(key);
        if (waiter) {
          ackWaiters.delete(key);
          waiter(m.payload);
          break;
        }
        const started = sentAt.get(client.id)?.[m.payload.sequenceNumber];
        if (started && running) {
          ackLatencies.add(now - started);
          acked++;
          if (m.payload.seq > maxAckedSeq) maxAckedSeq = m.payload.seq;
        }
        break;
      }
      case 'CONFLICT':
        conflicts++;
        break;
      case 'ERROR':
        errors++;
        if (errors <= 5) log('ERROR', JSON.stringify(m.payload));
        break;
    }
  }
}

function connect(index: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const headers = opts.token ? { Authorization: `Bearer ${opts.token}` } : undefined;
    const dialect: Dialect = index >= N - PLAIN ? 'plain' : PROTOCOL;
    // A plain client offers no subprotocol (docs/protocol.md, "Dialects").
    const protocols = dialect === 'plain' ? [] : `staff-sync.${dialect}`;
    const ws = new WebSocket(opts.url, protocols, { perMessageDeflate: opts.deflate, headers });
    const client: Client = {
      id: randomUUID(),
      ws,
      dialect,
      writer: index < W,
      seq: 0,
      synced: false,
      cellsSynced: false,
      next: 1,
      got: undefined,
    };
    received[dialect].clients++;
    ws.on('message', (data) => onMessage(client, data as Buffer));
    ws.once('upgrade', (response) => {
      client.socket = response.socket;
    });
    ws.once('open', () => {
      // A plain client speaks after CONNECTION_ACK (onMessage).
      if (dialect !== 'plain') ws.send(envelope(client, 'SYNC_REQUEST', {}));
      resolve(client);
    });
    ws.once('error', reject);
    ws.on('close', (code) => {
      if (running) log(`connection closed during the run: ${code}`);
    });
  });
}

function serverCounters() {
  const io = SERVER_PIDS.map(ioOf);
  return {
    cpu: SERVER_PIDS.reduce((n, pid) => n + cpuSecondsOf(pid), 0),
    syscw: io.reduce((n, x) => n + x.syscw, 0),
    wchar: io.reduce((n, x) => n + x.wchar, 0),
    syscr: io.reduce((n, x) => n + x.syscr, 0),
  };
}

/** TCP bytes read so far by every client. */
const wireBytes = (): number => clients.reduce((n, c) => n + (c.socket?.bytesRead ?? 0), 0);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const t0 = performance.now();
  const concurrency = Number(opts['connect-concurrency']);
  for (let i = 0; i < N; i += concurrency) {
    const batch = await Promise.all(Array.from({ length: Math.min(concurrency, N - i) }, (_, j) => connect(i + j)));
    clients.push(...batch);
  }
  while (clients.some((c) => !c.synced)) await sleep(50);
  log(`${N} connections open and synced in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // Members to update.
  const setup = clients[0]!;
  const staffIds: string[] = [];
  for (let i = 0; i < MEMBERS; i++) {
    const n = setup.next;
    const ack = new Promise<{ staffId: string; seq: number }>((resolve) => ackWaiters.set(`${setup.id}:${n}`, resolve));
    setup.ws.send(envelope(setup, 'STAFF_CREATE', { name: `bench ${i}`, position: 'load' }));
    staffIds.push((await ack).staffId);
  }
  // Cells: every subscriber asks for the current period's cells, as a schedule screen does.
  const cells: { staffId: string; dateKey: string }[] = [];
  if (KIND === 'cells') {
    if (!period) throw new Error('no current period in the SYNC_RESPONSE');
    const dates: string[] = [];
    for (
      let d = new Date(`${period.startDate}T00:00:00Z`);
      d <= new Date(`${period.endDate}T00:00:00Z`);
      d.setUTCDate(d.getUTCDate() + 1)
    )
      dates.push(d.toISOString().slice(0, 10));
    for (const staffId of staffIds) for (const dateKey of dates) cells.push({ staffId, dateKey });
    for (const c of clients) c.ws.send(envelope(c, 'SHIFT_SYNC_REQUEST', { periodIndex: period.index }));
    while (clients.some((c) => !c.cellsSynced)) await sleep(50);
    log(`every subscriber holds period ${period.index} (${period.startDate}..${period.endDate}): ${cells.length} cells`);
  }
  await sleep(500);
  baseSeq = Math.max(...clients.map((c) => c.seq));
  const expected = Math.ceil(RATE * DURATION_S) + 10;
  for (const c of clients) c.got = new Uint8Array(expected);

  const rss: number[] = [];
  const sampler = setInterval(() => rss.push(SERVER_PIDS.reduce((n, pid) => n + rssOf(pid), 0)), 1000);
  const cpuStart = process.cpuUsage();
  const serverStart = serverCounters();
  const wireStart = wireBytes();
  // This process's own event-loop delay is part of every latency it measures: report it.
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  log(`running: ${W} writers, ${RATE} updates/s for ${DURATION_S} s, base seq ${baseSeq}`);
  running = true;
  const started = performance.now();
  let sent = 0;
  const writers = clients.slice(0, W);
  for (const writer of writers) sentAt.set(writer.id, new Float64Array(writer.next + Math.ceil(RATE * DURATION_S) + 10));
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const elapsed = (performance.now() - started) / 1000;
      const due = Math.min(Math.floor(elapsed * RATE), Math.floor(DURATION_S * RATE));
      for (; sent < due; sent++) {
        const writer = writers[sent % W]!;
        sentAt.get(writer.id)![writer.next] = performance.now();
        if (KIND === 'cells') {
          // Round-robin over the period's cells; each round writes the next symbol, so every write changes its cell.
          const cell = cells[sent % cells.length]!;
          const shiftValue = CELL_VALUES[Math.floor(sent / cells.length) % CELL_VALUES.length];
          writer.ws.send(envelope(writer, 'SHIFT_UPDATE', { ...cell, shiftValue }));
        } else {
          writer.ws.send(envelope(writer, 'STAFF_UPDATE', { staffId: staffIds[sent % MEMBERS], changes: { order: sent + 1 } }));
        }
      }
      if (elapsed >= DURATION_S) {
        clearInterval(tick);
        resolve();
      }
    }, 2);
  });
  const sendSeconds = (performance.now() - started) / 1000;
  log(`sent ${sent} in ${sendSeconds.toFixed(1)} s; waiting for ACKs and deliveries`);
  const deadline = performance.now() + Number(opts['drain-timeout']) * 1000;
  while (performance.now() < deadline) {
    if (acked + conflicts + errors >= sent && clients.every((c) => c.seq >= maxAckedSeq)) break;
    await sleep(100);
  }
  running = false;
  loopDelay.disable();
  clearInterval(sampler);
  const cpu = process.cpuUsage(cpuStart);
  const wall = (performance.now() - started) / 1000;
  const serverEnd = serverCounters();
  const wire = wireBytes() - wireStart;
  const perSecond = (n: number) => Math.round(n / wall);

  // Every change of the run (base+1 .. maxAckedSeq) must reach every subscriber exactly once.
  const changes = maxAckedSeq - baseSeq;
  let lost = 0;
  let duplicates = 0;
  for (const c of clients) {
    for (let i = 0; i < changes; i++) {
      const n = c.got![i]!;
      if (n === 0) lost++;
      else if (n > 1) duplicates += n - 1;
    }
  }
  const result = {
    kind: KIND,
    plainClients: PLAIN,
    connections: N,
    writers: W,
    rate: RATE,
    durationS: DURATION_S,
    sent,
    acked,
    conflicts,
    errors,
    unanswered: sent - acked - conflicts - errors,
    changes,
    expectedDeliveries: changes * N,
    deliveries: fanoutLatencies.count,
    lost,
    duplicates,
    ackMs: ackLatencies.summary(),
    fanoutMs: fanoutLatencies.summary(),
    fanoutMsByDialect: {
      v1: fanoutByDialect.v1.summary(),
      v2: fanoutByDialect.v2.summary(),
      plain: fanoutByDialect.plain.summary(),
    },
    // Frames and bytes the clients read during the run (= what the server wrote to them), per second.
    protocol: PROTOCOL,
    deflate: opts.deflate,
    read: READ,
    // Everything every client read during the run (change events, and the writers' ACKs), per
    // change delivered: as messages (inflated) and as TCP bytes (frame headers, compressed).
    bytesPerDelivery: {
      message: Number(
        ((received.v1.bytes + received.v2.bytes + received.plain.bytes) / Math.max(1, fanoutLatencies.count)).toFixed(1),
      ),
      wire: Number((wire / Math.max(1, fanoutLatencies.count)).toFixed(1)),
    },
    framesPerSecond: {
      v1: perSecond(received.v1.frames),
      v2: perSecond(received.v2.frames),
      plain: perSecond(received.plain.frames),
    },
    bytesPerSecond: {
      v1: perSecond(received.v1.bytes),
      v2: perSecond(received.v2.bytes),
      plain: perSecond(received.plain.bytes),
    },
    framesPerClientPerSecond: {
      v1: Number((received.v1.frames / wall / Math.max(1, received.v1.clients)).toFixed(2)),
      v2: Number((received.v2.frames / wall / Math.max(1, received.v2.clients)).toFixed(2)),
      plain: Number((received.plain.frames / wall / Math.max(1, received.plain.clients)).toFixed(2)),
    },
    plainArrayFrames: received.plain.arrayFrames,
    server: SERVER_PIDS.length
      ? {
          cpuPct: Number((((serverEnd.cpu - serverStart.cpu) / wall) * 100).toFixed(0)),
          // Totals over the window, per change of the run: comparable across runs on a busy machine.
          cpuSeconds: Number((serverEnd.cpu - serverStart.cpu).toFixed(2)),
          cpuMsPerChange: Number((((serverEnd.cpu - serverStart.cpu) * 1000) / Math.max(1, changes)).toFixed(2)),
          writeSyscallsPerChange: Number(((serverEnd.syscw - serverStart.syscw) / Math.max(1, changes)).toFixed(1)),
          bytesWrittenPerChange: Math.round((serverEnd.wchar - serverStart.wchar) / Math.max(1, changes)),
          writeSyscallsPerSecond: perSecond(serverEnd.syscw - serverStart.syscw),
          bytesWrittenPerSecond: perSecond(serverEnd.wchar - serverStart.wchar),
          readSyscallsPerSecond: perSecond(serverEnd.syscr - serverStart.syscr),
        }
      : null,
    windowS: Number(wall.toFixed(1)),
    serverRssMiB: rss.length ? Number((Math.max(...rss) / 1048576).toFixed(1)) : null,
    loadGeneratorCpuPct: Number((((cpu.user + cpu.system) / 1e6 / wall) * 100).toFixed(0)),
    loadGeneratorCpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
    framesPerChange: {
      v1: Number((received.v1.frames / Math.max(1, changes)).toFixed(1)),
      v2: Number((received.v2.frames / Math.max(1, changes)).toFixed(1)),
      plain: Number((received.plain.frames / Math.max(1, changes)).toFixed(1)),
    },
    loadGeneratorLoopDelayMs: {
      p50: Number((loopDelay.percentile(50) / 1e6).toFixed(1)),
      p99: Number((loopDelay.percentile(99) / 1e6).toFixed(1)),
    },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  for (const c of clients) c.ws.terminate();
}

main().catch((error) => {
  process.stderr.write(`[load] failed: ${error?.stack ?? error}\n`);
  process.exit(1);
});

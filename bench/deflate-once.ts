// The server's CPU for compressing one fan-out pass (issue 10, "Shared work per pass"): what ws
// would spend compressing the pass's frame for each permessage-deflate socket (its own
// PerMessageDeflate per socket, as `send(frame, { compress: true })` does), against deflating it
// once for all of them (transport/ws/pass-frame.ts), in one run; and the bytes per delivered
// event, plain and as sent, for passes of N STAFF_UPDATE events as the hub builds them (v1 and
// v2 frames). No sockets: the socket writes cost the same either way and are not measured.
//   node bench/deflate-once.ts --subscribers 1000,5000 --events 1,5,20,50 --instances 256 --repeats 3
// Each CPU figure is the median of --repeats runs, the two ways alternating.
// --instances bounds how many per-socket compressors exist at once (they are used round-robin):
// each holds a zlib stream after its first message, and the bench reports their memory.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import type { Dialect } from '@staff-sync/protocol';
import type { ChangeFeed } from '../packages/server/src/engine/change-feed.ts';
import type { ChangeRecord } from '../packages/server/src/engine/collections/collection.ts';
import type { ChangeBatch } from '../packages/server/src/fanout/change-batch.ts';
import { Hub } from '../packages/server/src/fanout/hub.ts';
import { createMetrics } from '../packages/server/src/metrics.ts';
import { deflateMessage } from '../packages/server/src/transport/ws/deflate-message.ts';
import {
  COMPRESS_THRESHOLD,
  framedBytes,
  framePrecompressed,
  PER_MESSAGE_DEFLATE,
} from '../packages/server/src/transport/ws/precompressed.ts';

const { values: opts } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '1000,5000' },
    events: { type: 'string', default: '1,5,20,50' },
    instances: { type: 'string', default: '256' },
    repeats: { type: 'string', default: '3' },
  },
});
const SUBSCRIBERS = opts.subscribers.split(',').map(Number);
const EVENTS = opts.events.split(',').map(Number);
const INSTANCES = Number(opts.instances);
const REPEATS = Number(opts.repeats);

interface PerMessageDeflateLike {
  accept(offers: unknown[]): unknown;
  compress(data: Buffer, fin: boolean, callback: (error: Error | null, result?: Buffer) => void): void;
}
// ws's PerMessageDeflate and extension parser (exported by ws; its type declarations leave them out).
const ws = createRequire(import.meta.url)('ws') as {
  PerMessageDeflate: new (options: object) => PerMessageDeflateLike;
  extension: { parse(header: string): Record<string, unknown[]> };
};

const FAMILY = ['佐藤', '鈴木', '高橋', '田中', '伊藤', '渡辺', '山本', '中村', '小林', '加藤'];
const GIVEN = ['太郎', '花子', '一郎', '美咲', '健太', '陽菜', '翔太', 'さくら', '大輔', '愛'];
const POSITIONS = ['料理長', '副料理長', 'ホール係', '洗い場', '店長', 'キッチン補助', 'バーテンダー'];
const DEPARTMENTS = ['調理', 'ホール', '管理'] as const;
const STATUSES = ['社員', '派遣', 'パート'] as const;

/** A blind update of one member's `order`, as bench/load.ts sends them, committed as the engine records it. */
function staffUpdate(seq: number): ChangeRecord {
  const i = seq % 40;
  const now = new Date(Date.UTC(2026, 11, 1, 12, 0, 0, seq)).toISOString();
  const staff = {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    name: `${FAMILY[i % 10]} ${GIVEN[(i * 7) % 10]}`,
    position: POSITIONS[i % POSITIONS.length],
    department: DEPARTMENTS[i % 3],
    status: STATUSES[(i * 5) % 3],
    type: STATUSES[(i * 5) % 3] === '社員' ? 'regular' : 'part-time',
    color: null,
    order: seq,
    startPeriod: { year: 2024 + (i % 3), month: 1 + (i % 12) },
    endPeriod: i % 4 === 0 ? { year: 2027, month: 3, day: 31 } : null,
    isActive: true,
    version: seq + 1,
    createdAt: '2026-11-01T09:00:00.000Z',
    updatedAt: now,
  };
  return {
    restaurantId: 'bench',
    seq,
    collection: 'staff',
    type: 'STAFF_UPDATE',
    payload: { staffId: staff.id, staff, changes: { order: seq }, version: staff.version },
    clientId: randomUUID(),
    sequenceNumber: seq,
    userId: null,
    userName: null,
    committedAt: now,
  };
}

/** A pass of `n` updates, built by the hub itself from the feed's changes. */
async function passOf(n: number, firstSeq: number): Promise<ChangeBatch> {
  let push: (change: ChangeRecord) => void = () => {};
  const feed = {
    onChange: (listener: (change: ChangeRecord) => void) => {
      push = listener;
      return () => {};
    },
    follow: async () => {},
    unfollow: () => {},
  } as unknown as ChangeFeed;
  const hub = new Hub(feed, createMetrics(), { fanoutIntervalMs: 0 });
  const batch = new Promise<ChangeBatch>((resolve) =>
    hub.join({
      info: { restaurantId: 'bench', dialect: 'v1' } as never,
      sendChange: () => {},
      sendBatch: resolve,
      send: () => {},
    }),
  );
  for (let k = 0; k < n; k++) push(staffUpdate(firstSeq + k)); // one turn: one pass
  return batch;
}

const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};
const round = (x: number, digits = 1) => Number(x.toFixed(digits));
/** The run with the median CPU. */
const median = <T extends { cpuMs: number }>(runs: T[]): T =>
  [...runs].sort((a, b) => a.cpuMs - b.cpuMs)[Math.floor(runs.length / 2)] as T;

/** ws's way: each socket's own compressor compresses the frame (in zlib's thread pool, a few at a time). */
async function perSocket(frame: Buffer, subscribers: number, compressors: PerMessageDeflateLike[]) {
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  let bytes = 0;
  const compressOne = (compressor: PerMessageDeflateLike) =>
    new Promise<void>((resolve, reject) =>
      compressor.compress(frame, true, (error, out) => {
        if (error || !out) return reject(error);
        bytes = out.length;
        resolve();
      }),
    );
  // Each compressor takes its share one message at a time, as a socket's Sender does; ws runs
  // a few compressors at once (PER_MESSAGE_DEFLATE.concurrencyLimit).
  await Promise.all(
    compressors.map(async (compressor, k) => {
      for (let i = k; i < subscribers; i += compressors.length) await compressOne(compressor);
    }),
  );
  return { cpuMs: round(cpuMs(cpuStart)), wallMs: round(performance.now() - wallStart), compressedBytes: bytes };
}

/** Once per pass: one deflate and one frame header, whatever the number of sockets. */
function once(frame: Buffer) {
  const repeats = 50; // one deflate is too short to time alone
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  let framed: readonly Buffer[] = [];
  for (let r = 0; r < repeats; r++) framed = framePrecompressed(deflateMessage(frame, 15));
  return {
    cpuMs: round(cpuMs(cpuStart) / repeats, 3),
    wallMs: round((performance.now() - wallStart) / repeats, 3),
    compressedBytes: framedBytes(framed) - (framed[0]?.length ?? 0),
  };
}

async function main(): Promise<void> {
  const rssBefore = process.memoryUsage().rss;
  const compressors = Array.from({ length: INSTANCES }, () => {
    const pmd = new ws.PerMessageDeflate({ ...PER_MESSAGE_DEFLATE, isServer: true, maxPayload: 0 });
    // What a browser offers (accept() normalizes the parsed offer in place: one parse each).
    pmd.accept(ws.extension.parse('permessage-deflate; client_max_window_bits')['permessage-deflate'] as unknown[]);
    return pmd;
  });
  let seq = 1;
  const passes = new Map<number, ChangeBatch>();
  for (const n of EVENTS) {
    passes.set(n, await passOf(n, seq));
    seq += n;
  }
  // Warm every compressor once (each makes its zlib stream on first use), then measure its memory.
  await perSocket((passes.get(EVENTS.at(-1) as number) as ChangeBatch).frame('v1'), INSTANCES, compressors);
  const perCompressorKiB = round((process.memoryUsage().rss - rssBefore) / INSTANCES / 1024, 0);

  const bytes = [];
  for (const [n, batch] of passes) {
    for (const dialect of ['v1', 'v2'] as Dialect[]) {
      const frame = batch.frame(dialect);
      const compressed = frame.length >= COMPRESS_THRESHOLD;
      const deflated = framedBytes(framePrecompressed(deflateMessage(frame, 15)));
      const sent = compressed ? deflated : frame.length + (frame.length > 125 ? 4 : 2);
      bytes.push({
        events: n,
        dialect,
        frameBytes: frame.length,
        plainPerEvent: round(frame.length / n),
        compressed,
        sentBytes: sent,
        sentPerEvent: round(sent / n),
        // What it would be compressed, under the threshold too (a lower threshold for shared frames).
        deflatedPerEvent: round(deflated / n),
      });
    }
  }

  const cpu = [];
  for (const [n, batch] of passes) {
    const frame = batch.frame('v1');
    if (frame.length < COMPRESS_THRESHOLD) continue; // not compressed either way
    for (const subscribers of SUBSCRIBERS) {
      const runs: { socket: Awaited<ReturnType<typeof perSocket>>; shared: ReturnType<typeof once> }[] = [];
      for (let r = 0; r < REPEATS; r++)
        runs.push({ socket: await perSocket(frame, subscribers, compressors), shared: once(frame) });
      const socket = median(runs.map((run) => run.socket));
      const shared = median(runs.map((run) => run.shared));
      cpu.push({
        events: n,
        dialect: 'v1',
        frameBytes: frame.length,
        subscribers,
        perSocket: socket,
        oncePerPass: shared,
        cpuRatio: round(socket.cpuMs / Math.max(shared.cpuMs, 0.001), 0),
        perSocketCpuUsPerSubscriber: round((socket.cpuMs * 1000) / subscribers, 1),
      });
    }
  }
  const result = {
    node: process.version,
    compressors: INSTANCES,
    perCompressorKiB,
    note: 'perSocket: ws PerMessageDeflate.compress per subscriber (round-robin over `compressors`); oncePerPass: deflateMessage + frame header once; cpu = process user+system (zlib thread pool included)',
    cpu,
    bytes,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});

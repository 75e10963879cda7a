// Samples a staff-sync server's /metrics while a benchmark runs: memory (RSS, the V8 heap, external
// memory, where PGlite's WebAssembly memory and Buffers live, and the bytes owed to WebSocket
// clients), so that a run shows what grows and not only the peak; the server's event-loop delay
// in each interval (prom-client resets its histogram at every scrape); and its garbage
// collection over the run (pauses by kind, from the cumulative `nodejs_gc_duration_seconds`); and
// the server's own time per STAFF_UPDATE, received to its change event sent (the share over 20-250 ms).

const MEMORY = {
  rss: 'process_resident_memory_bytes',
  heapUsed: 'nodejs_heap_size_used_bytes',
  external: 'nodejs_external_memory_bytes',
  sendBacklog: 'staff_sync_send_backlog_bytes',
} as const;

const LOOP = { loopP99: 'nodejs_eventloop_lag_p99_seconds', loopMax: 'nodejs_eventloop_lag_max_seconds' } as const;

type Sample = { atS: number } & Record<keyof typeof MEMORY, number> & Record<keyof typeof LOOP, number>;

/** One GC kind's pauses: how many, their total, and how many lasted longer than 10 and 100 ms. */
interface GcKind {
  count: number;
  sum: number;
  over10ms: number;
  over100ms: number;
}
type Gc = Record<string, GcKind>;

const MiB = (bytes: number) => Number((bytes / 1048576).toFixed(1));
const ms = (seconds: number) => Number((seconds * 1000).toFixed(1));

function value(lines: string[], name: string): number {
  const line = lines.find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return Number(line?.split(' ').at(-1) ?? Number.NaN);
}

/** `nodejs_gc_duration_seconds` as cumulative figures per kind. */
function gcOf(lines: string[]): Gc {
  const gc: Gc = {};
  const kindOf = (line: string) => /kind="([a-z]+)"/.exec(line)?.[1];
  for (const line of lines) {
    if (!line.startsWith('nodejs_gc_duration_seconds')) continue;
    const kind = kindOf(line);
    if (!kind) continue;
    gc[kind] ??= { count: 0, sum: 0, over10ms: 0, over100ms: 0 };
    const entry = gc[kind];
    const n = Number(line.split(' ').at(-1));
    if (line.startsWith('nodejs_gc_duration_seconds_sum')) entry.sum = n;
    else if (line.startsWith('nodejs_gc_duration_seconds_count')) entry.count = n;
    else if (line.includes('le="0.01"'))
      entry.over10ms = -n; // made "over" once the count is known
    else if (line.includes('le="0.1"')) entry.over100ms = -n;
  }
  for (const entry of Object.values(gc)) {
    entry.over10ms += entry.count;
    entry.over100ms += entry.count;
  }
  return gc;
}

/** `websocket_message_duration_seconds{type="STAFF_UPDATE"}`: its count and cumulative bucket counts (by `le`). */
function updateDurationsOf(lines: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of lines) {
    if (!line.startsWith('websocket_message_duration_seconds') || !line.includes('type="STAFF_UPDATE"')) continue;
    const n = Number(line.split(' ').at(-1));
    if (line.startsWith('websocket_message_duration_seconds_count')) out.count = n;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (le) out[le] = n;
  }
  return out;
}

/**
 * The server's own time for the updates between the first and the last sample (received to its
 * change event handed to the sockets): how many, and the share that took longer than each bound.
 */
function updatesBetween(first: Record<string, number>, last: Record<string, number>) {
  const count = (last.count ?? 0) - (first.count ?? 0);
  const over = Object.fromEntries(
    ['0.02', '0.05', '0.1', '0.25'].map((le) => [
      `over${Number(le) * 1000}ms`,
      count > 0 ? Number((1 - ((last[le] ?? 0) - (first[le] ?? 0)) / count).toFixed(4)) : 0,
    ]),
  );
  return { count, ...over };
}

function gcBetween(first: Gc, last: Gc) {
  return Object.fromEntries(
    Object.entries(last).map(([kind, l]) => {
      const f = first[kind] ?? { count: 0, sum: 0, over10ms: 0, over100ms: 0 };
      return [
        kind,
        {
          pauses: l.count - f.count,
          totalMs: ms(l.sum - f.sum),
          over10ms: l.over10ms - f.over10ms,
          over100ms: l.over100ms - f.over100ms,
        },
      ];
    }),
  );
}

/**
 * Start sampling `httpUrl`/metrics every `everyMs`; `stop()` gives the samples (memory in MiB,
 * loop delay in ms), the peak of each, and the garbage collection between the first and the last.
 */
export function sampleServerMetrics(httpUrl: string, everyMs = 2000) {
  const samples: Sample[] = [];
  let firstGc: Gc | undefined;
  let lastGc: Gc | undefined;
  let firstUpdates: Record<string, number> | undefined;
  let lastUpdates: Record<string, number> | undefined;
  const started = performance.now();
  let busy = false;
  const take = async () => {
    if (busy) return;
    busy = true;
    try {
      const lines = (await (await fetch(`${httpUrl}/metrics`)).text()).split('\n');
      const sample = { atS: Math.round((performance.now() - started) / 1000) } as Sample;
      for (const [key, name] of Object.entries(MEMORY)) sample[key as keyof typeof MEMORY] = MiB(value(lines, name));
      for (const [key, name] of Object.entries(LOOP)) sample[key as keyof typeof LOOP] = ms(value(lines, name));
      lastGc = gcOf(lines);
      firstGc ??= lastGc;
      lastUpdates = updateDurationsOf(lines);
      firstUpdates ??= lastUpdates;
      samples.push(sample);
    } catch {
      // The server is busy or gone: the next tick tries again.
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(take, everyMs);
  void take();
  return {
    stop() {
      clearInterval(timer);
      const peakOf = (keys: string[]) =>
        Object.fromEntries(keys.map((k) => [k, Math.max(...samples.map((s) => s[k as keyof Sample]))]));
      return {
        unit: 'MiB; loop delay in ms',
        peak: peakOf([...Object.keys(MEMORY), ...Object.keys(LOOP)]),
        gc: firstGc && lastGc ? gcBetween(firstGc, lastGc) : undefined,
        serverUpdateTime: firstUpdates && lastUpdates ? updatesBetween(firstUpdates, lastUpdates) : undefined,
        samples,
      };
    },
  };
}

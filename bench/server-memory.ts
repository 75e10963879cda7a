// Samples a staff-sync server's memory from its /metrics while a benchmark runs: RSS, the V8 heap,
// external memory (PGlite's WebAssembly memory and Buffers live there) and the bytes owed to
// WebSocket clients, so that a run shows what grows, not only the peak.

const FIELDS = {
  rss: 'process_resident_memory_bytes',
  heapUsed: 'nodejs_heap_size_used_bytes',
  external: 'nodejs_external_memory_bytes',
  sendBacklog: 'staff_sync_send_backlog_bytes',
} as const;

type Sample = { atS: number } & Record<keyof typeof FIELDS, number>;

const MiB = (bytes: number) => Number((bytes / 1048576).toFixed(1));

/** Start sampling `httpUrl`/metrics every `everyMs`; `stop()` gives the samples in MiB and the peak of each. */
export function sampleServerMemory(httpUrl: string, everyMs = 2000) {
  const samples: Sample[] = [];
  const started = performance.now();
  let busy = false;
  const take = async () => {
    if (busy) return;
    busy = true;
    try {
      const text = await (await fetch(`${httpUrl}/metrics`)).text();
      const sample = { atS: Math.round((performance.now() - started) / 1000) } as Sample;
      for (const [key, name] of Object.entries(FIELDS)) {
        const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
        sample[key as keyof typeof FIELDS] = MiB(Number(line?.split(' ').at(-1) ?? Number.NaN));
      }
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
      const peak = Object.fromEntries(
        Object.keys(FIELDS).map((k) => [k, Math.max(...samples.map((s) => s[k as keyof typeof FIELDS]))]),
      );
      return { unit: 'MiB', peak, samples };
    },
  };
}

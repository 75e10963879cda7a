// Setup helpers of the load generators: bounded concurrency with progress lines, and waiting for a condition.

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A progress reporter: `log`s "what: done/total in s" at most every 2 s, and at the end. */
export function progress(log: (line: string) => void, what: string, total: number): (done: number) => void {
  let last = 0;
  const t0 = performance.now();
  return (done) => {
    const now = performance.now();
    if (done < total && now - last < 2000) return;
    last = now;
    log(`${what}: ${done}/${total} in ${((now - t0) / 1000).toFixed(1)} s`);
  };
}

/** Run `task(0..n-1)` with at most `limit` in flight, calling `report` with the count done; the first failure rejects. */
export async function pool(
  n: number,
  limit: number,
  task: (i: number) => Promise<void>,
  report: (done: number) => void,
): Promise<void> {
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < n) {
      await task(next++);
      report(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

/** Resolves once `ready()` holds (checked every 50 ms); rejects after `timeoutMs`, naming `what`. */
export async function waitFor(what: string, ready: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!ready()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Deliveries of a run, per restaurant: each change base+1 .. maxAckedSeq must have reached each
 * screen exactly once (`got[i]` counts the deliveries of change base+1+i at that screen).
 */
export function countDeliveries(
  restaurants: Iterable<{ baseSeq: number; maxAckedSeq: number; screens: { got?: Uint8Array | undefined }[] }>,
) {
  let changes = 0;
  let lost = 0;
  let duplicates = 0;
  let delivered = 0;
  for (const r of restaurants) {
    const n = r.maxAckedSeq - r.baseSeq;
    changes += n;
    for (const s of r.screens) {
      for (let i = 0; i < n; i++) {
        const got = s.got?.[i] ?? 0;
        if (got === 0) lost++;
        else {
          delivered++;
          duplicates += got - 1;
        }
      }
    }
  }
  return { changes, lost, duplicates, delivered };
}
